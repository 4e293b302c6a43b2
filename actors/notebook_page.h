// The notebook page a session kernel serves at / (no authentication: the
// page holds no data). It reads the session token from the URL fragment
// (#token=trs_..., never a query string, so it reaches no server log), and
// talks to the kernel's /api/v1 REST API: SQL cells run as statements, a
// state badge, saved notebooks. Serve it with the same headers as the
// head's dashboard (Cache-Control: no-store, X-Frame-Options: DENY and a
// Content-Security-Policy allowing only inline script and style and
// connect-src 'self'). Tested in tests/cli/notebook_page_test.cc.
#pragma once

namespace tranche {

extern const char* const kNotebookHtml;

}  // namespace tranche
