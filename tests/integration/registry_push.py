#!/usr/bin/env python3
"""Push an OCI image layout to a registry, as the tests need it (the pull
side is podvisor's; this is the push side of the distribution API, with
nothing but the standard library):

  registry_push.py [--user USER:PASS] URL REPO TAG LAYOUT
      Push the first manifest of LAYOUT's index.json, its config and its
      layers (each blob: POST /v2/REPO/blobs/uploads/, then PUT
      LOCATION?digest=...), then PUT the manifest as REPO:TAG. Prints the
      manifest digest.
  registry_push.py [--user USER:PASS] --index URL REPO TAG ARCH=DIGEST...
      PUT an OCI image index as REPO:TAG listing the manifests DIGEST (in
      REPO already) for linux/ARCH. Prints the index digest.

URL is http://HOST:PORT. Exit status 1 with the server's answer on error.
"""
import base64
import hashlib
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def request(method, url, body=None, headers=None, user=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    if user:
        req.add_header("Authorization", "Basic " + base64.b64encode(user.encode()).decode())
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        sys.exit("registry_push: %s %s: HTTP %d %s" % (method, url, e.code, e.read()[:300]))


def push_blob(url, repo, path, digest, user):
    status, headers, _ = request("POST", "%s/v2/%s/blobs/uploads/" % (url, repo), b"", user=user)
    loc = headers.get("Location") or headers.get("location")
    if not loc:
        sys.exit("registry_push: no Location for the upload of %s" % digest)
    loc = urllib.parse.urljoin(url + "/", loc)
    loc += ("&" if "?" in loc else "?") + "digest=" + urllib.parse.quote(digest)
    with open(path, "rb") as f:
        data = f.read()
    request("PUT", loc, data, {"Content-Type": "application/octet-stream"}, user)


def push_manifest(url, repo, tag, data, media_type, user):
    request("PUT", "%s/v2/%s/manifests/%s" % (url, repo, tag), data,
            {"Content-Type": media_type}, user)
    return "sha256:" + hashlib.sha256(data).hexdigest()


def push_layout(url, repo, tag, layout, user):
    index = json.load(open(os.path.join(layout, "index.json")))
    desc = index["manifests"][0]
    blob = lambda d: os.path.join(layout, "blobs", "sha256", d[len("sha256:"):])
    data = open(blob(desc["digest"]), "rb").read()
    manifest = json.loads(data)
    for d in [manifest["config"]] + manifest["layers"]:
        push_blob(url, repo, blob(d["digest"]), d["digest"], user)
    return push_manifest(url, repo, tag, data, desc["mediaType"], user)


def push_index(url, repo, tag, entries, user):
    manifests = []
    for e in entries:
        arch, digest = e.split("=", 1)
        _, _, body = request("GET", "%s/v2/%s/manifests/%s" % (url, repo, digest), None,
                             {"Accept": "application/vnd.oci.image.manifest.v1+json"}, user)
        manifests.append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                          "digest": digest, "size": len(body),
                          "platform": {"os": "linux", "architecture": arch}})
    data = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX,
                       "manifests": manifests}).encode()
    return push_manifest(url, repo, tag, data, OCI_INDEX, user)


def main(argv):
    user = None
    if argv[:1] == ["--user"]:
        user, argv = argv[1], argv[2:]
    if argv[:1] == ["--index"]:
        print(push_index(argv[1], argv[2], argv[3], argv[4:], user))
    else:
        print(push_layout(argv[0], argv[1], argv[2], argv[3], user))


if __name__ == "__main__":
    main(sys.argv[1:])
