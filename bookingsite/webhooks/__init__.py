"""Webhooks to partners, following the Standard Webhooks specification.

- events.py records an event, and a delivery per endpoint that wants it, in the
  transaction of the change that causes it (the booking service calls it), and hands the
  deliveries to the job queue once that transaction commits;
- delivery.py sends one delivery (signed, to a checked address, with a short timeout),
  retries it with a growing wait, and disables an endpoint that keeps failing;
- endpoints.py registers, changes, rotates and redelivers, for the API and the admin;
- signing.py makes secrets and signs with the `standardwebhooks` package;
- targets.py refuses targets on private, loopback, link-local, multicast or reserved
  addresses (unless WEBHOOKS_ALLOW_PRIVATE_TARGETS), when registered and when sent to."""
