from peerline.cli import app

app(prog_name="peerline")
