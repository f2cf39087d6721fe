/* Entry point of the freestanding link check: the whole core is linked in
 * (link_whole) with -nostdlib, so any libc symbol the core reached for
 * would be an undefined reference and fail the build. It is never run. */
void capnet_freestanding_entry(void);

void capnet_freestanding_entry(void)
{
	for (;;) {
	}
}
