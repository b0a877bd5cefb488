/* The agents' guide, embedded verbatim for GET /llms.txt. */
	.section .rodata
	.global llms_txt
	.global llms_txt_end
llms_txt:
	.incbin "docs/llms.txt"
llms_txt_end:
	.byte 0
	.section .note.GNU-stack,"",@progbits
