"""The command line of peers/CONTRACT.md and the QUIC configuration it asks for."""

import argparse
import os
import socket
import sys
from typing import NoReturn, TextIO

from aioquic.h3.connection import H3_ALPN

# Importing recovery registers aioquic's controllers (reno and cubic in 1.x).
from aioquic.quic import recovery  # noqa: F401
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.congestion import base as congestion
from aioquic.quic.logger import QuicFileLogger


class UsageError(Exception):
    """A bad command line: exit 2, naming the problem."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def split_host_port(text: str) -> tuple[str, int]:
    """HOST:PORT or [IPv6]:PORT."""
    if text.startswith("["):
        host, sep, port = text[1:].partition("]:")
    else:
        host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise UsageError(f"{text!r} is not HOST:PORT (IPv6 as [addr]:port)")
    return host, int(port)


def format_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def non_negative(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a non-negative integer")
    return int(text)


def controllers() -> list[str]:
    # aioquic has no public list of its controllers; its registry is the truth.
    return sorted(congestion._factories)


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--qlog-dir", help="one qlog per connection in DIR")
    parser.add_argument("--keylog", help="append TLS secrets (NSS key log format)")
    parser.add_argument("--cc", help="congestion controller: " + ", ".join(controllers()))
    parser.add_argument("--initial-rtt-ms", type=non_negative)
    parser.add_argument("--max-window-bytes", type=non_negative)


def parser() -> Parser:
    top = Parser(prog="aioquic", description="The lab's aioquic HTTP/3 peer")
    sub = top.add_subparsers(dest="role", required=True, parser_class=Parser)
    server = sub.add_parser("server")
    server.add_argument("--listen", required=True)
    server.add_argument("--cert", required=True)
    server.add_argument("--key", required=True)
    add_common(server)
    client = sub.add_parser("client")
    client.add_argument("urls", nargs="+", metavar="URL")
    client.add_argument("--connect")
    client.add_argument("--ca", required=True)
    client.add_argument("--session", choices=["cold", "resumed", "early-data"], default="cold")
    client.add_argument("--upload-bytes", type=non_negative)
    client.add_argument("--range-start", type=non_negative)
    client.add_argument("--progress", action="store_true")
    client.add_argument("--timeout-ms", type=non_negative)
    add_common(client)
    return top


def configuration(args: argparse.Namespace, is_client: bool) -> QuicConfiguration:
    """The QUIC configuration both roles share; the caller adds certificates."""
    config = QuicConfiguration(is_client=is_client, alpn_protocols=H3_ALPN)
    if args.cc is not None:
        if args.cc not in controllers():
            raise UsageError(f"--cc {args.cc}: aioquic has {', '.join(controllers())} only")
        config.congestion_control_algorithm = args.cc
    if args.initial_rtt_ms is not None:
        if args.initial_rtt_ms == 0:
            raise UsageError("--initial-rtt-ms must be above 0")
        config.initial_rtt = args.initial_rtt_ms / 1000
    if args.max_window_bytes is not None:
        config.max_data = max(config.max_data, args.max_window_bytes)
        config.max_stream_data = max(config.max_stream_data, args.max_window_bytes)
    return config


def open_logs(args: argparse.Namespace, config: QuicConfiguration) -> TextIO | None:
    """Points the configuration at the qlog directory and key log; returns the key log file."""
    if args.qlog_dir is not None:
        os.makedirs(args.qlog_dir, exist_ok=True)
        config.quic_logger = QuicFileLogger(args.qlog_dir)
    if args.keylog is None:
        return None
    keylog = open(args.keylog, "a", buffering=1)  # noqa: SIM115 (open for the process's life)
    config.secrets_log_file = keylog
    return keylog


def diagnose(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# UDP socket buffers asked for (the kernel caps them at net.core.rmem_max/wmem_max), as quic-go
# asks for 7 MB: with Linux's default of ~208 KiB a receiver that is not scheduled for a few
# milliseconds drops a window's datagrams, which the sender takes for congestion.
UDP_BUFFER_BYTES = 4 * 1024 * 1024


def widen_buffers(sock: socket.socket) -> None:
    for option in (socket.SO_RCVBUF, socket.SO_SNDBUF):
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, UDP_BUFFER_BYTES)
        except OSError as error:
            diagnose(f"aioquic peer: UDP buffer not widened: {error}")


def flush_qlogs(config: QuicConfiguration) -> None:
    """Writes the qlog of every connection still closing when the program must exit.

    aioquic writes a connection's qlog when its closing period (three PTOs) ends; one that
    outlasts the wait at exit would otherwise leave no file.
    """
    logger = config.quic_logger
    if isinstance(logger, QuicFileLogger):
        for trace in list(logger._traces):
            logger.end_trace(trace)
