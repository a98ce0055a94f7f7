"""The shared web toolbox: rate limits, the public page cache, response headers, the staff
site, the language switch in every page."""
