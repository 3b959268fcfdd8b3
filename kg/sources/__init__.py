"""The sources stage: `parsers` (one streaming `Record | Reject` parser per file format) and `harvest` (live
scholarly APIs fetched into recorded responses that the parsers read)."""
