import gc

from bookingsite import create_app

app = create_app()
# What importing and building the app allocated lives as long as the process: out of
# the collector's sight, a full collection walks only what requests leave behind.
gc.freeze()
