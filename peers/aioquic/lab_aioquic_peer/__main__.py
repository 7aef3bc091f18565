"""Entry point: `python -m lab_aioquic_peer server|client ...` (peers/CONTRACT.md)."""

import asyncio
import sys

from .options import UsageError, diagnose, parser


def main() -> int:
    # The descriptor's version probe (peers/CONTRACT.md): the installed aioquic's own.
    if sys.argv[1:] == ["version"]:
        import aioquic

        print(aioquic.__version__)
        return 0
    try:
        args = parser().parse_args()
        if args.role == "server":
            from .server import serve

            return asyncio.run(serve(args))
        from .client import run_client

        return asyncio.run(run_client(args))
    except UsageError as error:
        diagnose(f"aioquic peer: {error}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
