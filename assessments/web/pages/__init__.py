"""One module per page of the local web page; each handler calls the library's public API."""
