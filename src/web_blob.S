/* The playground's files (src/web/), embedded verbatim for web.c. */
	.section .rodata
	.global web_index_html
	.global web_index_html_end
	.global web_app_js
	.global web_app_js_end
	.global web_app_css
	.global web_app_css_end
web_index_html:
	.incbin "src/web/index.html"
web_index_html_end:
	.byte 0
web_app_js:
	.incbin "src/web/app.js"
web_app_js_end:
	.byte 0
web_app_css:
	.incbin "src/web/app.css"
web_app_css_end:
	.byte 0
	.section .note.GNU-stack,"",@progbits
