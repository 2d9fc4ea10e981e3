"""Which URLs may receive webhooks: https to public addresses only, unless the operator allows
private destinations (tests, local development)."""

import ipaddress

import pytest

from sofifi_api.webhooks.destinations import (
    UnsafeDestination,
    is_public_address,
    resolve_destination,
)

PRIVATE_URLS = [
    "https://127.0.0.1/hooks",
    "https://localhost/hooks",
    "https://10.1.2.3/hooks",
    "https://172.16.0.1/hooks",
    "https://192.168.1.10/hooks",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/hooks",
    "https://[::ffff:10.0.0.1]/hooks",
    "https://[fd00::1]/hooks",
    "https://[fe80::1]/hooks",
    "https://0.0.0.0/hooks",
    "https://127.1/hooks",
]


async def check(url: str, *, allow_private: bool = False) -> None:
    await resolve_destination(url, allow_private=allow_private, timeout_seconds=5)


@pytest.mark.parametrize("url", PRIVATE_URLS)
async def test_a_url_resolving_to_a_non_public_address_is_refused(url: str) -> None:
    with pytest.raises(UnsafeDestination, match="non-public address"):
        await check(url)


@pytest.mark.parametrize("url", PRIVATE_URLS)
async def test_a_url_resolving_to_a_non_public_address_is_accepted_with_the_setting(
    url: str,
) -> None:
    await check(url, allow_private=True)


async def test_a_public_https_url_is_accepted() -> None:
    destination = await resolve_destination(
        "https://93.184.215.14:8443/hooks?x=1", allow_private=False, timeout_seconds=5
    )

    assert destination.addresses == (ipaddress.ip_address("93.184.215.14"),)
    assert destination.host_header == "93.184.215.14:8443"


async def test_plain_http_is_refused_without_the_setting() -> None:
    with pytest.raises(UnsafeDestination, match="https"):
        await check("http://93.184.215.14/hooks")


async def test_plain_http_is_accepted_with_the_setting() -> None:
    await check("http://127.0.0.1:8080/hooks", allow_private=True)


@pytest.mark.parametrize("url", ["ftp://93.184.215.14/x", "/relative/path", "https:///no-host"])
async def test_a_url_that_is_not_absolute_http_is_refused_even_with_the_setting(url: str) -> None:
    with pytest.raises(UnsafeDestination):
        await check(url, allow_private=True)


async def test_a_url_with_credentials_is_refused() -> None:
    with pytest.raises(UnsafeDestination, match="user name or password"):
        await check("https://user:secret@93.184.215.14/hooks")


async def test_the_dialled_url_keeps_path_and_query_and_drops_the_fragment() -> None:
    destination = await resolve_destination(
        "https://localhost:8443/a/b?c=d#e", allow_private=True, timeout_seconds=5
    )

    dialled = {destination.url_for(address) for address in destination.addresses}
    assert dialled <= {"https://127.0.0.1:8443/a/b?c=d", "https://[::1]:8443/a/b?c=d"}
    assert destination.host_header == "localhost:8443"


@pytest.mark.parametrize(
    "address",
    [
        "224.0.0.1",  # multicast
        "ff02::1",
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "100.64.0.1",  # shared address space (carrier-grade NAT)
        "192.0.2.1",  # documentation
        "::",  # unspecified
        "::ffff:169.254.169.254",  # IPv4-mapped link-local
        "::ffff:127.0.0.1",
        "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "2001:db8::1",  # documentation
    ],
)
def test_these_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_these_addresses_are_public(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))
