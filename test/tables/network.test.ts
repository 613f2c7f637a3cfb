import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cellsOf, columnLayout, object } from './helpers.js';

describe('Service', () => {
  it('has NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE and wide SELECTOR', () => {
    assert.deepEqual(columnLayout('', 'Service'), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector*']);
  });

  it('prints a ClusterIP service', () => {
    const obj = object('Service', 'web', {
      spec: {
        type: 'ClusterIP',
        clusterIP: '10.96.0.10',
        clusterIPs: ['10.96.0.10', 'fd00::a'],
        ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }, { port: 9153 }],
        selector: { 'k8s-app': 'kube-dns', app: 'dns' },
      },
    });
    assert.deepEqual(cellsOf('', obj), ['web', 'ClusterIP', '10.96.0.10', '<none>', '53/UDP,53/TCP,9153/TCP', '3h', 'app=dns,k8s-app=kube-dns']);
  });

  it('prints node ports, external IPs and headless services', () => {
    const nodePort = object('Service', 'np', {
      spec: { type: 'NodePort', clusterIP: '10.96.1.1', externalIPs: ['1.2.3.4', '5.6.7.8'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] },
    });
    assert.deepEqual(cellsOf('', nodePort).slice(1, 5), ['NodePort', '10.96.1.1', '1.2.3.4,5.6.7.8', '80:30080/TCP']);
    const headless = object('Service', 'db', { spec: { clusterIP: 'None', ports: [] } });
    assert.deepEqual(cellsOf('', headless).slice(1, 7), ['ClusterIP', 'None', '<none>', '<none>', '3h', '<none>']);
  });

  it('prints load balancer ingress sorted and unclipped, or <pending>', () => {
    const lb = object('Service', 'lb', {
      spec: { type: 'LoadBalancer', clusterIP: '10.96.2.2', externalIPs: ['9.9.9.9'], ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] },
      status: { loadBalancer: { ingress: [{ hostname: 'a-very-long-load-balancer-name.example.com' }, { ip: '34.1.2.3' }, { ip: '34.1.2.3' }] } },
    });
    assert.equal(cellsOf('', lb)[3], '34.1.2.3,a-very-long-load-balancer-name.example.com,9.9.9.9');
    const pending = object('Service', 'lb2', { spec: { type: 'LoadBalancer', clusterIP: '10.96.2.3' } });
    assert.equal(cellsOf('', pending)[3], '<pending>');
  });

  it('prints the ExternalName target', () => {
    const obj = object('Service', 'ext', { spec: { type: 'ExternalName', externalName: 'db.example.com' } });
    assert.deepEqual(cellsOf('', obj).slice(1, 5), ['ExternalName', '<none>', 'db.example.com', '<none>']);
  });
});

describe('Endpoints', () => {
  it('lists host:port pairs, three at most', () => {
    assert.deepEqual(columnLayout('', 'Endpoints'), ['Name', 'Endpoints', 'Age']);
    const obj = object('Endpoints', 'kube-dns', {
      subsets: [
        {
          addresses: [{ ip: '10.1.0.20' }, { ip: '10.1.0.21' }],
          ports: [{ name: 'dns', port: 53 }, { name: 'dns-tcp', port: 53 }, { name: 'metrics', port: 9153 }],
        },
      ],
    });
    assert.deepEqual(cellsOf('', obj), ['kube-dns', '10.1.0.20:53,10.1.0.21:53,10.1.0.20:53 + 3 more...', '3h']);
  });

  it('prints bare IPs for port-less subsets, brackets for IPv6 and <none> without subsets', () => {
    const headless = object('Endpoints', 'h', { subsets: [{ addresses: [{ ip: '10.1.0.5' }] }, { addresses: [{ ip: 'fd00::5' }], ports: [{ port: 80 }] }] });
    assert.equal(cellsOf('', headless)[1], '10.1.0.5,[fd00::5]:80');
    assert.equal(cellsOf('', object('Endpoints', 'none'))[1], '<none>');
    assert.equal(cellsOf('', object('Endpoints', 'empty', { subsets: [{ ports: [{ port: 80 }] }] }))[1], '');
  });
});

describe('EndpointSlice', () => {
  it('prints address type, ports and addresses', () => {
    assert.deepEqual(columnLayout('discovery.k8s.io', 'EndpointSlice'), ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
    const obj = object('EndpointSlice', 'web-abc', {
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 80 }, { name: 'named' }, {}, { port: 8443 }],
      endpoints: [{ addresses: ['10.1.0.1'] }, { addresses: ['10.1.0.2', '10.1.0.3'] }, { addresses: ['10.1.0.4'] }],
    });
    assert.deepEqual(cellsOf('discovery.k8s.io', obj), ['web-abc', 'IPv4', '80,named,* + 1 more...', '10.1.0.1,10.1.0.2,10.1.0.3 + 1 more...', '3h']);
    assert.deepEqual(cellsOf('discovery.k8s.io', object('EndpointSlice', 'empty', { addressType: 'IPv6' })), ['empty', 'IPv6', '<unset>', '<unset>', '3h']);
  });
});
