"""The delegates' console: the register in a browser, for people who are not programmers."""
