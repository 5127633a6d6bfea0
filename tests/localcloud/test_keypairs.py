"""os-keypairs as today's Nova: per user, import or (below 2.92) generate, boots that name them.

Keys come from the real ``ssh-keygen``, which also checks the cloud's fingerprints and that a
generated private key belongs to its public key.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from novaclient import api_versions
from novaclient import client as nova_client

from tests.localcloud.conftest import Api, fault
from tests.localcloud.test_clients import nova_session, sdk_connect

SSH_KEYGEN = shutil.which("ssh-keygen") or "ssh-keygen"  # missing: apt-get install openssh-client
pytestmark = [
    # openstacksdk's warnings about its own internals, as in test_clients
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning"),
    pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK60Warning"),
]

CLASS = [
    {"name": "alice", "password": "a", "project": "class-1"},
    {"name": "bob", "password": "b", "project": "class-1"},  # same project, another user
    {"name": "teacher", "password": "t", "project": "staff", "roles": ["admin"]},
]


def keygen(tmp_path, name="id_ed25519", kind="ed25519") -> str:
    """A fresh public key, as a learner makes one."""
    path = tmp_path / name
    subprocess.run(
        [SSH_KEYGEN, "-q", "-t", kind, "-N", "", "-C", "learner@lab", "-f", str(path)],
        check=True,
        timeout=30,
    )
    return (tmp_path / f"{name}.pub").read_text().strip()


def md5_fingerprint(tmp_path, public_key: str) -> str:
    """``ssh-keygen -l -E md5``'s fingerprint, as Nova spells it (no ``MD5:`` prefix)."""
    path = tmp_path / "check.pub"
    path.write_text(public_key + "\n")
    out = subprocess.run(
        [SSH_KEYGEN, "-l", "-E", "md5", "-f", str(path)],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    return out.split()[1].removeprefix("MD5:")


def test_import_show_list_delete_at_2_1(api, tmp_path):
    public_key = keygen(tmp_path)
    created = api.post("/os-keypairs", {"keypair": {"name": "lab", "public_key": public_key}})
    assert created.status_code == 200, created.text  # 201 only from 2.2
    body = created.json()["keypair"]
    assert body == {
        "name": "lab",
        "public_key": public_key,
        "fingerprint": md5_fingerprint(tmp_path, public_key),
        "user_id": body["user_id"],
    }
    assert "private_key" not in body and "type" not in body  # type appears from 2.2

    shown = api.get("/os-keypairs/lab").json()["keypair"]
    assert shown["fingerprint"] == body["fingerprint"] and shown["user_id"] == body["user_id"]
    assert shown["deleted"] is False and shown["id"] == 1 and shown["updated_at"] is None
    assert shown["created_at"] == "2012-03-21T00:00:00.000000"  # the ManualClock's start
    listed = api.get("/os-keypairs").json()
    assert listed == {
        "keypairs": [
            {
                "keypair": {
                    "name": "lab",
                    "public_key": public_key,
                    "fingerprint": shown["fingerprint"],
                }
            }
        ]
    }

    assert api.delete("/os-keypairs/lab").status_code == 202
    message = fault(api.get("/os-keypairs/lab"), 404)
    assert message == f"Keypair lab not found for user {body['user_id']}"
    fault(api.delete("/os-keypairs/lab"), 404)
    assert api.get("/os-keypairs").json() == {"keypairs": []}


def test_from_2_2_type_201_and_204_and_x509_certificates(api, tmp_path):
    public_key = keygen(tmp_path)
    created = api.post(
        "/os-keypairs", {"keypair": {"name": "k", "public_key": public_key}}, version="2.2"
    )
    assert created.status_code == 201 and created.json()["keypair"]["type"] == "ssh"
    assert api.get("/os-keypairs", version="2.2").json()["keypairs"][0]["keypair"]["type"] == "ssh"

    # an x509 certificate imports with its SHA-1 fingerprint
    certificate = open(self_signed_certificate(tmp_path)).read()
    cert_pair = api.post(
        "/os-keypairs",
        {"keypair": {"name": "winrm", "type": "x509", "public_key": certificate}},
        version="2.2",
    )
    assert cert_pair.status_code == 201, cert_pair.text
    expected = x509.load_pem_x509_certificate(certificate.encode()).fingerprint(hashes.SHA1())
    assert cert_pair.json()["keypair"]["fingerprint"] == ":".join(f"{b:02x}" for b in expected)
    assert api.delete("/os-keypairs/k", version="2.2").status_code == 204
    # type is not a field before 2.2, nor may it be anything but ssh or x509
    fault(api.post("/os-keypairs", {"keypair": {"name": "t", "type": "ssh"}}), 400)
    assert "one of" in fault(
        api.post("/os-keypairs", {"keypair": {"name": "t", "type": "pgp"}}, version="2.2"), 400
    )


def self_signed_certificate(tmp_path) -> str:
    """A PEM certificate file to import (self-signed, made here with cryptography)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "joe")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "winrm.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(path)


def test_generated_below_2_92_returned_once_refused_from_2_92(api, tmp_path):
    created = api.post("/os-keypairs", {"keypair": {"name": "gen"}}, version="2.91")
    assert created.status_code == 201, created.text
    body = created.json()["keypair"]
    assert body["type"] == "ssh" and body["public_key"].startswith("ssh-rsa ")
    private = tmp_path / "gen"
    private.write_text(body["private_key"])
    os.chmod(private, 0o600)
    derived = subprocess.run(
        [SSH_KEYGEN, "-y", "-f", str(private)],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout.split()
    assert derived[:2] == body["public_key"].split()[:2]  # the private key is that key's
    assert body["fingerprint"] == md5_fingerprint(tmp_path, body["public_key"])
    # the private key is given once: never again
    assert "private_key" not in api.get("/os-keypairs/gen").json()["keypair"]
    assert body["private_key"] not in api.get("/os-keypairs", version="2.91").text

    refused = api.post("/os-keypairs", {"keypair": {"name": "gen2"}}, version="2.92")
    assert "'public_key' is a required property" in fault(refused, 400)
    assert fault(api.get("/os-keypairs/gen2"), 404)
    imported = api.post(
        "/os-keypairs",
        {"keypair": {"name": "gen2", "public_key": keygen(tmp_path)}},
        version="2.92",
    )
    assert imported.status_code == 201 and "private_key" not in imported.json()["keypair"]


def test_names_as_nova_allows_them(api, tmp_path):
    key = keygen(tmp_path)

    def create(name, version="2.1"):
        return api.post(
            "/os-keypairs", {"keypair": {"name": name, "public_key": key}}, version=version
        )

    assert "unsafe characters" in fault(create("joe@lab.example"), 400)
    assert create("joe@lab.example", "2.92").status_code == 201  # 2.92 allows @ and .
    assert create("my key_1-a").status_code == 200
    assert "already exists" in fault(create("my key_1-a"), 409)
    assert api.get("/os-keypairs/my key_1-a").status_code == 200
    for bad in ("", "x" * 256, " padded", "slash/ed", "semi;colon"):
        fault(create(bad), 400)
    fault(create(42), 400)
    fault(api.post("/os-keypairs", {"keypair": {"public_key": key}}), 400)
    fault(api.post("/os-keypairs", {"keypair": {"name": "x", "public_key": key, "extra": 1}}), 400)
    fault(api.post("/os-keypairs", {"keypairs": {"name": "x"}}), 400)
    assert "failed to generate fingerprint" in fault(
        api.post("/os-keypairs", {"keypair": {"name": "x", "public_key": "ssh-rsa AAAAnope"}}), 400
    )
    fault(api.post("/os-keypairs", {"keypair": {"name": "x", "public_key": 7}}), 400)
    assert api.get("/os-keypairs").json()["keypairs"][0]["keypair"]["name"] == "joe@lab.example"
    assert len(api.get("/os-keypairs").json()["keypairs"]) == 2  # nothing bad was stored


def test_pages_from_2_35(api, tmp_path):
    key = keygen(tmp_path)
    for name in ("c", "a", "b"):
        api.post("/os-keypairs", {"keypair": {"name": name, "public_key": key}})
    first = api.get("/os-keypairs?limit=2", version="2.35").json()
    assert [k["keypair"]["name"] for k in first["keypairs"]] == ["a", "b"]
    (link,) = first["keypairs_links"]
    assert link["rel"] == "next" and "marker=b" in link["href"]
    rest = api.get(link["href"], version="2.35").json()
    assert [k["keypair"]["name"] for k in rest["keypairs"]] == ["c"]
    assert "keypairs_links" not in rest
    assert "marker" in fault(api.get("/os-keypairs?marker=zz", version="2.35"), 400)
    # before 2.35 the whole list, whatever is asked
    assert len(api.get("/os-keypairs?limit=1").json()["keypairs"]) == 3


def test_key_pairs_belong_to_their_user_and_admins_reach_others_from_2_10(
    localcloud_factory, tmp_path
):
    cloud = localcloud_factory(users=CLASS)
    alice, bob = Api(cloud, "alice", "a", "class-1"), Api(cloud, "bob", "b", "class-1")
    teacher = Api(cloud, "teacher", "t", "staff", version="2.10")
    key = keygen(tmp_path)
    alice_id = alice.post("/os-keypairs", {"keypair": {"name": "lab", "public_key": key}}).json()[
        "keypair"
    ]["user_id"]
    # the same project, another user: not visible, and the name is free for him
    assert bob.get("/os-keypairs").json() == {"keypairs": []}
    fault(bob.get("/os-keypairs/lab"), 404)
    fault(bob.delete("/os-keypairs/lab"), 404)
    assert bob.post("/os-keypairs", {"keypair": {"name": "lab", "public_key": key}}).ok
    # an admin names the user from 2.10; a member may not
    seen = teacher.get(f"/os-keypairs/lab?user_id={alice_id}").json()["keypair"]
    assert seen["user_id"] == alice_id
    assert [
        k["keypair"]["name"]
        for k in teacher.get(f"/os-keypairs?user_id={alice_id}").json()["keypairs"]
    ] == ["lab"]
    made = teacher.post(
        "/os-keypairs", {"keypair": {"name": "given", "public_key": key, "user_id": alice_id}}
    )
    assert made.status_code == 201 and made.json()["keypair"]["user_id"] == alice_id
    assert "Policy doesn't allow" in fault(
        bob.get(f"/os-keypairs?user_id={alice_id}", version="2.10"), 403
    )
    fault(
        bob.post(
            "/os-keypairs",
            {"keypair": {"name": "x", "public_key": key, "user_id": alice_id}},
            version="2.10",
        ),
        403,
    )
    fault(  # user_id is not a field before 2.10
        teacher.post(
            "/os-keypairs",
            {"keypair": {"name": "x", "public_key": key, "user_id": alice_id}},
            version="2.9",
        ),
        400,
    )
    assert teacher.delete(f"/os-keypairs/given?user_id={alice_id}").status_code == 204
    assert [k["keypair"]["name"] for k in alice.get("/os-keypairs").json()["keypairs"]] == ["lab"]
    # boots name only the caller's own key pairs
    alice.boot("with-key", key_name="lab")
    fault(
        teacher.post(
            "/servers",
            {"server": {"name": "x", "imageRef": "3", "flavorRef": "1", "key_name": "lab"}},
        ),
        400,
    )


def test_quota_of_key_pairs(api, admin_api, tmp_path):
    key = keygen(tmp_path)
    quota = admin_api.put(f"/os-quota-sets/{api.project_id}", {"quota_set": {"key_pairs": 1}})
    assert quota.status_code == 200, quota.text
    assert api.post("/os-keypairs", {"keypair": {"name": "one", "public_key": key}}).ok
    message = fault(api.post("/os-keypairs", {"keypair": {"name": "two", "public_key": key}}), 403)
    assert message == "Quota exceeded, too many key pairs."
    fault(api.post("/os-keypairs", {"keypair": {"name": "two"}}), 403)  # generating counts too


def test_boot_and_rebuild_check_the_key_name(api, localcloud, tmp_path):
    message = fault(
        api.post(
            "/servers",
            {"server": {"name": "v", "imageRef": "3", "flavorRef": "1", "key_name": "nope"}},
        ),
        400,
    )
    assert message == "Invalid key_name provided."
    assert api.get("/servers").json()["servers"] == []
    api.post("/os-keypairs", {"keypair": {"name": "lab", "public_key": keygen(tmp_path)}})
    server_id = api.boot("v", key_name="lab")
    assert api.server(server_id)["key_name"] == "lab"
    # the book's v1.1 root boots into the same model: the same check
    v11 = api.post(
        "/servers",
        {"server": {"name": "b", "imageRef": "3", "flavorRef": "1", "key_name": "nope"}},
        url=f"{localcloud.url}/v1.1/openstack/servers",
    )
    assert fault(v11, 400) == "Invalid key_name provided."
    # deleting the pair leaves the server's key_name, as in Nova
    api.delete("/os-keypairs/lab")
    localcloud.tick(30)
    assert api.server(server_id)["key_name"] == "lab"
    rebuild = api.action(
        server_id, {"rebuild": {"imageRef": "3", "key_name": "lab"}}, version="2.54"
    )
    assert fault(rebuild, 400) == "Invalid key_name provided."
    assert api.server(server_id)["status"] == "ACTIVE"
    unset = api.action(server_id, {"rebuild": {"imageRef": "3", "key_name": None}}, version="2.54")
    assert unset.status_code == 202, unset.text
    assert api.server(server_id, version="2.54")["key_name"] is None


def test_openstacksdk_and_novaclient_manage_key_pairs(localcloud, tmp_path):
    public_key = keygen(tmp_path)
    conn = sdk_connect(localcloud)
    imported = conn.compute.create_keypair(name="sdk", public_key=public_key)
    assert imported.fingerprint == md5_fingerprint(tmp_path, public_key)
    generated = conn.compute.create_keypair(name="sdk-made")  # the SDK asks for 2.2 or so
    assert generated.private_key.startswith("-----BEGIN")
    assert {k.name for k in conn.compute.keypairs()} == {"sdk", "sdk-made"}
    server = conn.compute.create_server(
        name="keyed",
        image_id=conn.image.find_image("ubuntu-11.04-server").id,
        flavor_id="1",
        key_name="sdk",
        networks="auto",
    )
    assert conn.compute.get_server(server.id).key_name == "sdk"
    conn.compute.delete_keypair("sdk-made")
    assert conn.compute.find_keypair("sdk-made") is None

    nova = nova_client.Client(api_versions.APIVersion("2.92"), session=nova_session(localcloud))
    assert nova.keypairs.get("sdk").fingerprint == imported.fingerprint
    nova.keypairs.create("nova", public_key=public_key)
    assert sorted(k.name for k in nova.keypairs.list()) == ["nova", "sdk"]
    nova.keypairs.delete("nova")
    assert [k.name for k in nova.keypairs.list()] == ["sdk"]
