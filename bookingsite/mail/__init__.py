"""Messages to customers and venues: written with the change that causes them (the
outbox), delivered by background jobs over SMTP, kept as each venue's message log."""
