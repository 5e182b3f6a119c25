// Which IP addresses the gateway may connect to on a tenant's behalf (ARCHITECTURE.md "Upstream
// safety"). Deny by default: only global unicast is "public"; loopback, private and CGNAT are
// "private" and need UPSTREAM_ALLOW_PRIVATE; everything else (metadata, link-local, unspecified,
// multicast, broadcast, reserved, documentation, IPv6 transition ranges) is never reachable.
import ipaddr from 'ipaddr.js';

export type AddressScope = 'public' | 'private';

export type AddressVerdict =
  | { allowed: true; scope: AddressScope }
  | { allowed: false; scope: AddressScope | 'forbidden'; reason: string };

// Cloud instance-metadata and host-agent endpoints. Most sit in a range refused anyway; listed so
// that no setting can ever open them (fd00:ec2::254 is in fc00::/7, 100.100.100.200 in CGNAT,
// Azure's WireServer 168.63.129.16 in public space).
const METADATA_ADDRESSES = new Set([
  '169.254.169.254', // AWS, GCP, Azure, OCI, DigitalOcean, OpenStack
  '169.254.170.2', // AWS ECS task metadata
  '100.100.100.200', // Alibaba Cloud
  '168.63.129.16', // Azure WireServer
  'fd00:ec2::254', // AWS IMDS over IPv6
]);

const PRIVATE_V4 = new Set(['loopback', 'private', 'carrierGradeNat']);
const PRIVATE_V6 = new Set(['loopback', 'uniqueLocal']);
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
// NAT64 (RFC 6052 well-known prefix): the last 32 bits are the IPv4 destination, judged as such,
// so IPv6-only hosts with DNS64 still reach public IPv4 servers but never an internal one.
const NAT64_V6 = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

function judgeV4(address: ipaddr.IPv4, allowPrivate: boolean): AddressVerdict {
  const text = address.toString();
  if (METADATA_ADDRESSES.has(text)) return { allowed: false, scope: 'forbidden', reason: 'metadata' };
  const range = address.range();
  if (range === 'unicast') return { allowed: true, scope: 'public' };
  if (PRIVATE_V4.has(range)) {
    return allowPrivate
      ? { allowed: true, scope: 'private' }
      : { allowed: false, scope: 'private', reason: range };
  }
  return { allowed: false, scope: 'forbidden', reason: range };
}

function judgeV6(address: ipaddr.IPv6, allowPrivate: boolean): AddressVerdict {
  if (address.isIPv4MappedAddress()) return judgeV4(address.toIPv4Address(), allowPrivate);
  if (address.match(NAT64_V6)) {
    const bytes = address.toByteArray().slice(12);
    return judgeV4(new ipaddr.IPv4(bytes), allowPrivate);
  }
  // Compare without a zone id (fe80::1%eth0).
  const plain = ipaddr.IPv6.parse(address.toString().replace(/%.*$/, ''));
  if (METADATA_ADDRESSES.has(plain.toString())) return { allowed: false, scope: 'forbidden', reason: 'metadata' };
  const range = plain.range();
  if (range === 'unicast' && plain.match(GLOBAL_UNICAST_V6)) return { allowed: true, scope: 'public' };
  if (PRIVATE_V6.has(range)) {
    return allowPrivate
      ? { allowed: true, scope: 'private' }
      : { allowed: false, scope: 'private', reason: range };
  }
  return { allowed: false, scope: 'forbidden', reason: range };
}

/** Judges one IP address (IPv4, IPv6, IPv4-mapped IPv6 judged as its IPv4). */
export function judgeAddress(address: string, allowPrivate: boolean): AddressVerdict {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address.replace(/^\[|\]$/g, ''));
  } catch {
    return { allowed: false, scope: 'forbidden', reason: 'not an IP address' };
  }
  return parsed.kind() === 'ipv4'
    ? judgeV4(parsed as ipaddr.IPv4, allowPrivate)
    : judgeV6(parsed as ipaddr.IPv6, allowPrivate);
}
