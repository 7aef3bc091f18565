"""The lab's aioquic HTTP/3 peer: server and client as peers/CONTRACT.md describes."""
