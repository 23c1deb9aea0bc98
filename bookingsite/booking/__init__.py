"""The booking service: every audience holds, confirms and cancels through here."""
