"""``%nova login``, ``use``, ``logout`` and ``whoami``: the connection this kernel holds.

Credentials never come from the magic line: a password or a token is asked for with a prompt
(:func:`~novamagic.magics.commands.common.ask_secret`), so the notebook never saves one.
"""

from __future__ import annotations

import os

from IPython.core.error import UsageError

from novamagic.magics.commands.common import ask_secret
from novamagic.magics.registry import arg, subcommand
from novamagic.magics.rendering import (
    Message,
    Record,
)

_PROMPT = object()


@subcommand(
    "login",
    "connect to a cloud (clouds.yaml name, OS_* variables, explicit options, or --local)",
    arg(
        "cloud",
        nargs="?",
        help="a cloud from clouds.yaml (default: NovaMagics.default_cloud, OS_CLOUD)",
    ),
    arg("--auth-url", help="Keystone URL, e.g. https://keystone.example.org/v3"),
    arg("--user", help="user name (the password is asked for, never typed on the line)"),
    arg("--project", help="project (tenant) name"),
    arg("--user-domain", help="user domain name (Keystone v3)"),
    arg("--project-domain", help="project domain name (Keystone v3)"),
    arg("--region", help="region name"),
    arg("--interface", choices=("public", "internal", "admin"), help="endpoint interface"),
    arg(
        "--token",
        nargs="?",
        const=_PROMPT,
        help="authenticate with a token, asked for with a prompt (a value on the line is refused)",
    ),
    arg("--microversion", help="pin the compute microversion, e.g. 2.1"),
    arg("--local", action="store_true", help="start a local cloud in this kernel and use it"),
    secret_safe=True,
)
def login(nova, args):
    """Connect to a cloud. Credentials come from clouds.yaml/secure.yaml, OS_* variables or the
    options here; a password is asked for with a prompt (getpass), never read from the line. With
    no configuration at all (or --local) a local cloud is started in this kernel."""
    from novamagic.client import connect

    if args.local:
        pin = {"compute_api_version": args.microversion} if args.microversion else {}
        cloud = connect(local=True, **pin)
        nova.set_cloud(cloud)
        return Message(
            f"logged in to a local cloud started in this kernel at {cloud.config.auth_url} "
            "as joe (project openstack)",
            cloud.whoami(),
        )
    options = {
        "auth_url": args.auth_url,
        "username": args.user,
        "project_name": args.project,
        "user_domain_name": args.user_domain,
        "project_domain_name": args.project_domain,
        "region_name": args.region,
        "interface": args.interface,
        "compute_api_version": args.microversion,
    }
    options = {k: v for k, v in options.items() if v is not None}
    if args.token is not None and args.token is not _PROMPT:
        # A token typed on the line would be saved with the notebook, like a password.
        raise UsageError(
            "%nova login: refusing a token on the magic line (it would be saved in the notebook). "
            "Use `%nova login --token` alone to be prompted for it, or set OS_TOKEN."
        )
    if args.token is _PROMPT:
        options["token"] = ask_secret("Token: ")
    if args.user and "token" not in options and not os.environ.get("OS_PASSWORD"):
        where = args.auth_url or args.cloud or "the cloud"
        options["password"] = ask_secret(f"Password for {args.user} at {where}: ")
    name = args.cloud or (None if args.auth_url else nova.default_cloud)
    cloud = connect(name, **options)
    nova.set_cloud(cloud)
    who = cloud.whoami()
    version = who.get("microversion") or who.get("api")
    return Message(
        f"logged in as {who.get('username')} (project {who.get('project_name')}) at "
        f"{who.get('auth_url')}; compute {version}; credentials from {who.get('source')}",
        who,
    )


@subcommand(
    "use",
    "let the magics share a Cloud made in Python (cloud = novamagic.connect(...))",
    arg("variable", help="the name of a variable holding a novamagic Cloud"),
)
def use(nova, args):
    """Use a connection made in Python, e.g. ``cloud = novamagic.connect(local=lc)`` and then
    ``%nova use cloud``: the magics and the Python API share one session (one history, one
    session tag, one cleanup). ``%nova logout`` forgets it; it stays open for the Python code that
    made it (``cloud.close()`` closes it)."""
    from novamagic.client import Cloud

    namespace = nova.shell.user_ns
    value = namespace.get(args.variable)
    if not isinstance(value, Cloud):
        what = f"of type {type(value).__name__}" if args.variable in namespace else "not defined"
        raise UsageError(
            f"%nova use {args.variable}: {args.variable} is {what}, not a novamagic Cloud; "
            "e.g. cloud = novamagic.connect(), then %nova use cloud"
        )
    nova.set_cloud(value, owned=False)
    who = value.whoami()
    version = who.get("microversion") or who.get("api")
    return Message(
        f"using {args.variable}: {who.get('username')} (project {who.get('project_name')}) at "
        f"{who.get('auth_url')}; compute {version}; credentials from {who.get('source')}",
        who,
    )


@subcommand("logout", "forget the connection (and stop a local cloud started here)")
def logout(nova, args):
    had = nova.has_cloud
    nova.set_cloud(None)
    return Message("logged out" if had else "not logged in")


@subcommand("whoami", "user, project, region, endpoint, microversion and token expiry")
def whoami(nova, args):
    return Record(nova.cloud.whoami(), "whoami")
