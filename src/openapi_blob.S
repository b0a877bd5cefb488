/* The OpenAPI document, embedded verbatim for GET /openapi.json. */
	.section .rodata
	.global openapi_json
	.global openapi_json_end
openapi_json:
	.incbin "docs/openapi.json"
openapi_json_end:
	.byte 0
	.section .note.GNU-stack,"",@progbits
