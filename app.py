from bookingsite import create_app

app = create_app()
