"""The delegates' console: the register in a browser, for people who are not programmers.

Its pages are thin: each calls the services the API calls (the same rules, the same scoping,
the same audit) and renders HTML that works without JavaScript: forms post, then redirect.
`routes` puts the parts in the application; `pages` holds what they share."""
