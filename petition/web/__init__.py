"""The shared web toolbox: rate limits, the public page cache, response headers, the staff site."""
