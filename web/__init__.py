"""The app's own routes on Streamlit's server (see serve.py): the sign-in cookie and unknown URL paths."""
