"""Infrastructure without domain imports: clock, database, extensions, i18n, templating,
security, uploads, conflicts (the one commit helper), submit_once, pagination, forms (the
fields every feature's forms share)."""
