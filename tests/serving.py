"""Servers the tests start on 127.0.0.1 (a receiver, a provider, the app itself), each served
in a daemon thread of its own."""
import threading

# How often serve_forever looks whether it was asked to stop. shutdown() waits for that look,
# and at the default of 0.5 s each server's stop cost the test half a second of nothing.
POLL_SECONDS = 0.05


def serve(server):
    """Serve `server` (a socketserver) in a daemon thread; returns the function that stops it
    and closes its socket."""
    thread = threading.Thread(target=server.serve_forever, args=(POLL_SECONDS,), daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    return stop
