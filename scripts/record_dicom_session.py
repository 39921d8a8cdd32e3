#!/usr/bin/env python3
"""Records what a DICOM client sends in one association, for the network fuzz target's seeds.

Listens on LISTEN_PORT, forwards each connection to TARGET_PORT on localhost (a running storescp or
steato listen) and writes the client's bytes of the first connection to OUT.
    record_dicom_session.py LISTEN_PORT TARGET_PORT OUT
then run e.g. `echoscu localhost LISTEN_PORT` or `storescu localhost LISTEN_PORT FILE.dcm`.
"""
import socket
import sys
import threading


def pump(source, sink, record=None):
    while True:
        data = source.recv(65536)
        if not data:
            break
        if record is not None:
            record.append(data)
        sink.sendall(data)
    try:
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def main():
    listen_port, target_port, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", listen_port))
    server.listen(1)
    client, _ = server.accept()
    upstream = socket.create_connection(("127.0.0.1", target_port))
    recorded = []
    back = threading.Thread(target=pump, args=(upstream, client))
    back.start()
    pump(client, upstream, recorded)
    back.join()
    with open(out, "wb") as f:
        f.write(b"".join(recorded))


if __name__ == "__main__":
    main()
