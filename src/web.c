/*
 * web.c: the playground's page, GET / and its two assets (front end
 * process).
 *
 * src/web/index.html, app.js and app.css are plain files compiled into
 * the binary (src/web_blob.S, as docs/openapi.json is): nothing is read
 * from disk or fetched at run time, and no path from the request ever
 * reaches a file name, so the table below is the whole namespace.
 *
 * Every asset goes out with a Content-Security-Policy that allows only
 * this origin's own script, style and fetches, no inline script or
 * style, no plugins, forms, <base> or framing: a value in a result table
 * that slipped past the page's escaping still could not run script or
 * send data elsewhere. nosniff keeps each file its declared type, and
 * no-referrer keeps a share link (its token is in the URL's fragment,
 * which browsers never send, but the page may be left by a link) out of
 * other sites' logs.
 */
#include <string.h>

#include "frontend_int.h"
#include "http.h"

extern const char web_index_html[], web_index_html_end[];
extern const char web_app_js[], web_app_js_end[];
extern const char web_app_css[], web_app_css_end[];

#define WEB_CSP	"default-src 'none'; script-src 'self'; style-src 'self'; " \
		"connect-src 'self'; img-src 'self' data:; " \
		"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

struct web_asset {
	const char	*path;
	const char	*ctype;
	const char	*start;
	const char	*end;
};

static const struct web_asset web_assets[] = {
	{ "/", "text/html; charset=utf-8", web_index_html,
	    web_index_html_end },
	{ "/app.js", "text/javascript; charset=utf-8", web_app_js,
	    web_app_js_end },
	{ "/app.css", "text/css; charset=utf-8", web_app_css,
	    web_app_css_end },
};

void
web_get(struct http_req *req)
{
	static const struct http_header h[] = {
		{ "Content-Security-Policy", WEB_CSP },
		{ "X-Content-Type-Options", "nosniff" },
		{ "Referrer-Policy", "no-referrer" },
		{ "X-Frame-Options", "DENY" },
	};
	size_t i, plen = strcspn(req->target, "?");
	const struct web_asset *a;

	for (i = 0; i < sizeof(web_assets) / sizeof(web_assets[0]); i++) {
		a = &web_assets[i];
		if (strlen(a->path) == plen &&
		    strncmp(a->path, req->target, plen) == 0) {
			http_reply_ct(req, 200, a->ctype, h,
			    sizeof(h) / sizeof(h[0]), a->start,
			    (size_t)(a->end - a->start));
			return;
		}
	}
	/* The route table sends only the paths above here. */
	http_reply_error(req, 404, "not found", NULL, 0);
}
