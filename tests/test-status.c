/* test-status.c: exit codes and error formatting (the contract scripts rely on). */
#include "dmlhog/status.h"
#include "tap.h"

int main(void)
{
	is_int(dmlhog_exit_code(DMLHOG_OK), 0, "success exits 0");
	is_int(dmlhog_exit_code(DMLHOG_E_DIVERGED), 3, "divergence exits 3");
	is_int(dmlhog_exit_code(DMLHOG_E_USAGE), 64, "usage exits 64 (EX_USAGE)");
	is_int(dmlhog_exit_code(DMLHOG_E_DATA), 65, "malformed data exits 65 (EX_DATAERR)");
	is_int(dmlhog_exit_code(DMLHOG_E_CORRUPT), 65, "corrupt file exits 65");
	is_int(dmlhog_exit_code(DMLHOG_E_NOINPUT), 66, "missing input exits 66");
	is_int(dmlhog_exit_code(DMLHOG_E_CANTCREAT), 73, "cannot create exits 73");
	is_int(dmlhog_exit_code(DMLHOG_E_IO), 74, "I/O error exits 74");
	is_int(dmlhog_exit_code(DMLHOG_E_TIMELIMIT), 75, "time limit exits 75");
	int bad = 0;
	for (int s = 0; s < DMLHOG_STATUS_COUNT; s++) {
		int code = dmlhog_exit_code((enum dmlhog_status)s);
		bad += code == 77 || code == 99;   /* automake: SKIP and hard ERROR */
	}
	ok(!bad, "no status maps to 77 or 99");
	is_str(dmlhog_status_word(DMLHOG_E_DATA), "data", "status word of E_DATA");
	is_str(dmlhog_strerror((enum dmlhog_status)999), "unknown status", "unknown status is named");

	struct dmlhog_error e = { 0 };
	char buf[1200];
	dmlhog_error_set(&e, DMLHOG_E_DATA, "index must be an integer >= 1");
	snprintf(e.file, sizeof e.file, "a.svm");
	e.line = 3;
	e.col = 5;
	snprintf(e.token, sizeof e.token, "0:1");
	dmlhog_error_format(&e, buf, sizeof buf);
	is_str(buf, "a.svm:3:5: index must be an integer >= 1: '0:1'", "file:line:col: msg: 'token'");
	e.col = 0;
	e.token[0] = '\0';
	dmlhog_error_format(&e, buf, sizeof buf);
	is_str(buf, "a.svm:3: index must be an integer >= 1", "file:line: msg without column");
	return tap_done();
}
