/**
 * More of node-exporter's mixin and awesome-prometheus-alerts' host rules: conntrack, file descriptors,
 * interface flapping and bonds, software RAID, systemd units, the textfile collector, hardware errors and
 * temperature, reboots; and Windows and VMware hosts.
 */

import { domainOf } from '../domain.ts';
import { hostOf, remote, sel, sh } from '../facts.ts';
import type { AlertView, Signature } from '../types.ts';
import { family, q } from './family.ts';

const host = (v: AlertView): string => q(v.labels.nodename ?? v.node ?? hostOf(v) ?? v.instance);
const ssh = (v: AlertView): string => `ssh ${sh(hostOf(v) ?? '<host>')}`;
/** `command` (with its values `sh()`-quoted) run on the alert's host. */
const onHost = (v: AlertView, command: string): string => remote(hostOf(v) ?? '<host>', command);
const DEVICE_NAME = /^[\w.:-]+$/;
const DEV_PREFIX = /^\/dev\//;
/** `/dev/sda` for a plain device label (safe inside a single-quoted remote command), else a placeholder. */
const diskPath = (device: string | undefined): string => {
  const name = device?.replace(DEV_PREFIX, '');
  return name && DEVICE_NAME.test(name) ? `/dev/${name}` : '/dev/<disk>';
};

export const conntrack: Signature = family({
  id: 'node-conntrack-full',
  title: 'Conntrack table nearly full',
  weight: 57,
  names: ['NodeHighNumberConntrackEntriesUsed', 'HostConntrackLimit'],
  textPattern: /nf_conntrack: table full|node_nf_conntrack_entries/,
  summary: (v) =>
    `The connection-tracking table on ${host(v)} is nearly full: once full the kernel drops new connections ("nf_conntrack: table full, dropping packet").`,
  causes: [
    [
      'A surge of short-lived connections (no keep-alive, retries, a scan or DDoS) fills the table',
      0.45,
      'capacity',
    ],
    ['nf_conntrack_max too low for the node (many pods, kube-proxy iptables/NAT)', 0.35, 'configuration'],
    ['Long conntrack timeouts keep dead entries (e.g. UDP/DNS or TIME_WAIT)', 0.15, 'configuration'],
  ],
  steps: (v) => [
    `${ssh(v)} 'sysctl net.netfilter.nf_conntrack_count net.netfilter.nf_conntrack_max; dmesg -T | grep -i conntrack | tail -5'`,
    `${ssh(v)} 'conntrack -L 2>/dev/null | awk "{print \\$4}" | sort | uniq -c | sort -rn | head'  # entries per state/proto`,
    `PromQL: node_nf_conntrack_entries${sel({ instance: v.instance })} / node_nf_conntrack_entries_limit${sel({ instance: v.instance })}`,
    'Raise net.netfilter.nf_conntrack_max (and kube-proxy conntrack.maxPerCore) once the source of connections is understood',
  ],
});

export const fileDescriptors: Signature = family({
  id: 'node-file-descriptors',
  title: 'File descriptors running out',
  weight: 55,
  names: [
    'NodeFileDescriptorLimit',
    'HostFileDescriptorsLimit',
    'ProcessHighFileDescriptorUsage',
    'FdExhaustionClose',
  ],
  namePattern: /filedescriptor|fdexhaustion|openfiles/,
  textPattern: /too many open files|node_filefd_allocated|process_open_fds/,
  // RabbitMQ's file-descriptor alarm blocks publishers: its own signature explains it.
  accepts: (v) => domainOf(v) !== 'rabbitmq',
  summary: (v) =>
    `${v.labels.job && !v.key.startsWith('node') ? `\`${v.labels.job}\` on ` : 'The kernel on '}${host(v)} is running out of file descriptors: new files and sockets fail with "too many open files".`,
  causes: [
    ['A process leaks file descriptors or sockets (connections never closed)', 0.45, 'application'],
    ['The limit (fs.file-max, ulimit -n / LimitNOFILE) is too low for the load', 0.35, 'configuration'],
  ],
  steps: (v) => [
    `${ssh(v)} 'cat /proc/sys/fs/file-nr; for p in /proc/[0-9]*; do echo "$(ls $p/fd 2>/dev/null | wc -l) $(cat $p/comm 2>/dev/null)"; done | sort -rn | head'`,
    `PromQL: node_filefd_allocated${sel({ instance: v.instance })} / node_filefd_maximum${sel({ instance: v.instance })}`,
    'Check the top process for a leak (lsof -p <pid> | sort by type) before raising the limit',
  ],
});

export const interfaceFlapping: Signature = family({
  id: 'node-network-flapping',
  title: 'Network interface flapping or bond degraded',
  weight: 52,
  names: [
    'NodeNetworkInterfaceFlapping',
    'NodeBondingDegraded',
    'HostNetworkBondDegraded',
    'NodeNetworkInterfaceDown',
  ],
  summary: (v) =>
    v.key.includes('bond')
      ? `Bond ${q(v.labels.master ?? v.labels.device)} on ${host(v)} lost slaves: redundancy is gone and bandwidth reduced.`
      : v.key.includes('interfacedown')
        ? v.labels.device
          ? `Network interface \`${v.labels.device}\` on ${host(v)} is down.`
          : `One or more network interfaces on ${host(v)} are down.`
        : `Network interface ${q(v.labels.device)} on ${host(v)} keeps going up and down.`,
  causes: (v) =>
    v.key.includes('interfacedown')
      ? [
          ['Faulty or unplugged cable, transceiver (SFP) or switch port', 0.45, 'infrastructure'],
          [
            'The interface is configured down or failed to come up (NetworkManager/ifcfg config, after a reboot or change)',
            0.3,
            'configuration',
          ],
          ['NIC driver or firmware problem', 0.15, 'infrastructure'],
        ]
      : [
          ['Faulty cable, transceiver (SFP) or switch port', 0.45, 'infrastructure'],
          ['NIC driver/firmware problem, or auto-negotiation mismatch', 0.3, 'infrastructure'],
          ['Switch maintenance or spanning-tree changes on the upstream port', 0.15, 'network'],
        ],
  steps: (v) => [
    onHost(
      v,
      `ip -s link show ${v.labels.device ? sh(v.labels.device) : ''}; dmesg -T | grep -iE "link (is )?(up|down)|bond" | tail -20`,
    ),
    v.labels.device &&
      onHost(
        v,
        `ethtool ${sh(v.labels.device)}; ethtool -S ${sh(v.labels.device)} | grep -iE "err|drop|crc"`,
      ),
    (v.labels.master ?? v.key.includes('bond')) &&
      onHost(v, `cat /proc/net/bonding/${sh(v.labels.master ?? 'bond0')}`),
    `PromQL: changes(node_network_up${sel({ instance: v.instance, device: v.labels.device })}[1h])`,
  ],
});

export const raid: Signature = family({
  id: 'node-raid-degraded',
  role: 'cause',
  title: 'Software RAID degraded',
  weight: 74,
  names: [
    'NodeRAIDDegraded',
    'NodeRAIDDiskFailure',
    'HostSoftwareRaidInsufficientDrives',
    'HostSoftwareRaidDiskFailure',
    'HostRaidArrayGotInactive',
    'HostRaidDiskFailure',
  ],
  summary: (v) =>
    `RAID array ${q(v.labels.device)} on ${host(v)} is degraded: a disk failed or dropped out, and one more failure may lose data.`,
  causes: [
    ['A member disk failed (check SMART for reallocated/pending sectors)', 0.6, 'infrastructure'],
    ['A disk dropped out after a controller/cable error and needs re-adding', 0.25, 'infrastructure'],
  ],
  steps: (v) => [
    onHost(v, `cat /proc/mdstat; mdadm --detail /dev/${sh(v.labels.device ?? 'md0')}`),
    `${ssh(v)} 'smartctl -a /dev/<member-disk> | grep -iE "result|realloc|pending|uncorrect"'`,
    'Replace the failed disk and re-add it: mdadm --manage /dev/<md> --add /dev/<new-disk>',
  ],
});

export const systemdUnit: Signature = family({
  id: 'node-systemd-unit-failed',
  title: 'systemd service failed',
  weight: 50,
  names: [
    'NodeSystemdServiceFailed',
    'NodeSystemdServiceCrashlooping',
    'HostSystemdServiceCrashed',
    'SystemdUnitFailed',
  ],
  namePattern: /systemd\w*(?:fail|crash|down)/,
  summary: (v) =>
    `systemd unit ${q(v.labels.name)} on ${host(v)} ${v.key.includes('crashloop') ? 'keeps restarting' : 'has failed'}.`,
  causes: [
    ['The service exits with an error (bad config, missing dependency, permission)', 0.5, 'application'],
    ['A recent package upgrade or config change broke the unit', 0.25, 'deployment'],
    ['Resource limits: OOM kill, full disk', 0.15, 'resource-exhaustion'],
  ],
  steps: (v) => [
    onHost(
      v,
      `systemctl status ${sh(v.labels.name ?? '<unit>')} --no-pager; journalctl -u ${sh(v.labels.name ?? '<unit>')} -n 50 --no-pager`,
    ),
    `${ssh(v)} 'systemctl --failed'`,
  ],
});

export const textfileCollector: Signature = family({
  id: 'node-textfile-error',
  title: 'node-exporter textfile collector error',
  weight: 14,
  names: ['NodeTextFileCollectorScrapeError', 'HostNodeExporterTextfileError'],
  summary: (v) =>
    `node-exporter on ${host(v)} fails to read a textfile-collector file: the metrics it carries are missing.`,
  causes: [
    [
      'A cron/script writes a malformed .prom file (bad syntax, duplicate metric, wrong types)',
      0.6,
      'application',
    ],
    [
      'The file is written non-atomically and read half-written, or has wrong permissions',
      0.25,
      'configuration',
    ],
  ],
  steps: (v) => [
    `curl -s ${sh(v.instance ?? '<host>:9100')}/metrics | grep -E '^node_textfile_(scrape_error|mtime)'`,
    `${ssh(v)} 'journalctl -u node_exporter -n 30 --no-pager | grep -i textfile'`,
    'Write the file atomically (to a temp file, then mv) and validate with promtool check metrics',
  ],
});

export const hardwareErrors: Signature = family({
  id: 'host-hardware-errors',
  role: 'cause',
  title: 'Hardware errors (memory ECC, filesystem device, temperature)',
  weight: 68,
  names: [
    'HostEdacUncorrectableErrorsDetected',
    'HostEdacCorrectableErrorsDetected',
    'HostFilesystemDeviceError',
    'HostPhysicalComponentTooHot',
    'HostNodeOvertemperatureAlarm',
    'NodeHardwareTemperatureHigh',
  ],
  // Home-grown names: "High CPU Temperature", NodeCpuTemperatureCritical, ServerOverheating (disks: SMART's own).
  namePattern:
    /^(?:high)?(?:cpu|core|host|node|server|chassis|system|machine|hardware)\w*(?:temperature|overheat|toohot)/,
  accepts: (v) => !/disk|smart|ssd|nvme|hdd|gpu/.test(v.key),
  summary: (v) => `${host(v)} reports a hardware problem (\`${v.name}\`).`,
  causes: (v) =>
    v.key.includes('edac')
      ? [
          ['A failing memory DIMM (ECC errors)', 0.6, 'infrastructure'],
          ['Memory controller or motherboard fault', 0.2, 'infrastructure'],
        ]
      : v.key.includes('hot') || v.key.includes('temperature')
        ? [
            ['Cooling failure: fan, blocked airflow, datacenter temperature', 0.5, 'infrastructure'],
            ['Sustained high load heats the CPU', 0.25, 'capacity'],
          ]
        : [
            [
              'The disk or storage device behind the filesystem is failing (I/O errors)',
              0.5,
              'infrastructure',
            ],
            ['The filesystem is corrupted or went read-only', 0.3, 'data'],
          ],
  steps: (v) => [
    `${ssh(v)} 'dmesg -T | grep -iE "edac|mce|i/o error|temperature|read-only" | tail -20'`,
    v.key.includes('edac')
      ? `${ssh(v)} 'edac-util -v'`
      : v.key.includes('filesystem')
        ? onHost(v, `smartctl -H ${diskPath(v.labels.device)}`)
        : `${ssh(v)} 'sensors'`,
    'Plan a hardware replacement with the provider; drain the node first if it runs Kubernetes workloads',
  ],
});

export const rebootRequired: Signature = family({
  id: 'host-reboot-required',
  title: 'Host requires a reboot / kernel drift',
  weight: 8,
  names: ['HostRequiresReboot', 'HostKernelVersionDeviations'],
  summary: (v) =>
    `${host(v)}: \`${v.name}\` — installed updates (usually a kernel) are waiting for a reboot.`,
  causes: [
    [
      'Package updates were installed but the host was not rebooted (unattended-upgrades)',
      0.7,
      'configuration',
    ],
  ],
  steps: (v) => [
    `${ssh(v)} 'cat /var/run/reboot-required.pkgs; uname -r'`,
    'Schedule a rolling reboot (drain Kubernetes nodes first)',
  ],
});

export const windowsHost: Signature = family({
  id: 'windows-host',
  title: 'Windows server resource or service problem',
  weight: 40,
  names: [
    'WindowsServerCollectorError',
    'WindowsServerServiceStatus',
    'WindowsServerCpuUsage',
    'WindowsServerMemoryUsage',
    'WindowsServerDiskSpaceUsage',
  ],
  namePattern: /^windows/,
  summary: (v) =>
    `Windows host ${q(v.instance)}: ${v.key.includes('service') ? `service ${q(v.labels.name)} is not running` : v.key.includes('collector') ? `windows_exporter collector ${q(v.labels.collector)} fails` : v.key.includes('disk') ? `volume ${q(v.labels.volume)} is almost full` : v.key.includes('memory') ? 'memory is almost exhausted' : 'CPU is saturated'}.`,
  causes: (v) =>
    v.key.includes('service')
      ? [
          ['The service crashed or was stopped (check the System event log)', 0.5, 'application'],
          [
            'A dependency or logon account (expired password) prevents it from starting',
            0.3,
            'configuration',
          ],
        ]
      : v.key.includes('collector')
        ? [
            [
              'windows_exporter cannot read the performance counters (WMI broken or permission)',
              0.6,
              'configuration',
            ],
          ]
        : v.key.includes('disk')
          ? [
              ['Logs, temp files or updates (WinSxS) fill the volume', 0.5, 'data'],
              ['The volume is too small for the data', 0.3, 'capacity'],
            ]
          : [
              ['A process uses more than expected (leak, runaway, antivirus scan)', 0.45, 'application'],
              ['The host is undersized for its load', 0.35, 'capacity'],
            ],
  steps: (v) => [
    v.key.includes('service')
      ? `Get-Service ${sh(v.labels.name ?? '<name>')}; Get-WinEvent -LogName System -MaxEvents 30 | Where-Object ProviderName -eq 'Service Control Manager'`
      : v.key.includes('disk')
        ? 'Get-Volume; Get-ChildItem C:\\ -Recurse -ErrorAction SilentlyContinue | Sort-Object Length -Descending | Select-Object -First 20 FullName, Length'
        : 'Get-Process | Sort-Object CPU, WS -Descending | Select-Object -First 15',
    `On ${v.instance ?? 'the host'}: check windows_exporter logs and the Event Viewer for the time of the alert`,
  ],
});

export const vmwareHost: Signature = family({
  id: 'vmware-host',
  title: 'VMware host or VM resource problem',
  weight: 36,
  names: [
    'VmwareHostHighCpuUsage',
    'VmwareHostHighMemoryUsage',
    'VmwareVirtualMachineMemoryWarning',
    'VmwareVirtualMachineNumberSnapshots',
    'VmwareVirtualMachineSnapshotAge',
    'VirtualMachineMemoryWarning',
    'VirtualMachineMemoryCritical',
    'HighNumberOfSnapshots',
    'OutdatedSnapshots',
  ],
  namePattern: /^(?:vmware|vsphere|esxi)/,
  summary: (v) => `VMware ${q(v.labels.host_name ?? v.labels.vm_name ?? v.instance)}: \`${v.name}\`.`,
  causes: (v) =>
    v.key.includes('snapshot')
      ? [['Snapshots left behind by backups or manual changes grow and slow the VM', 0.6, 'configuration']]
      : [
          [
            'The ESXi host is overcommitted: too many VMs for its CPU/memory (ballooning, swapping)',
            0.45,
            'capacity',
          ],
          ['One VM uses far more than usual', 0.3, 'application'],
        ],
  steps: () => [
    'In vCenter: check the host/VM performance charts, ballooning and ready time; list snapshots (Get-VM | Get-Snapshot)',
    'Migrate VMs (vMotion/DRS) or consolidate snapshots as appropriate',
  ],
});

export const smartDisk: Signature = family({
  id: 'disk-smart-failing',
  role: 'cause',
  title: 'Disk SMART warning (failing, worn out or hot)',
  weight: 66,
  names: [
    'SmartDeviceTemperatureWarning',
    'SmartDeviceTemperatureCritical',
    'SmartDeviceTemperatureOverTripValue',
    'SmartDeviceTemperatureNearingTripValue',
    'SmartCriticalWarning',
    'SmartMediaErrors',
    'SmartNvmeWearoutIndicator',
    'SmartWearoutIndicator',
    'SmartStatus',
  ],
  summary: (v) =>
    `Disk ${q(v.labels.device)} on ${host(v)}: ${v.key.includes('temperature') ? 'it runs too hot' : v.key.includes('wearout') ? 'it is wearing out (spare blocks below threshold)' : 'SMART reports it failing'} (\`${v.name}\`).`,
  causes: (v) =>
    v.key.includes('temperature')
      ? [
          [
            'Cooling failure around the drive: a fan, blocked airflow, hot datacenter aisle',
            0.5,
            'infrastructure',
          ],
          ['Sustained heavy I/O on the drive', 0.3, 'capacity'],
        ]
      : v.key.includes('wearout')
        ? [
            ['The SSD/NVMe has used up its write endurance (spare blocks exhausted)', 0.65, 'infrastructure'],
            ['A write-heavy workload wears it faster than planned', 0.2, 'application'],
          ]
        : [
            ['The drive is failing: media errors, reallocated or pending sectors', 0.6, 'infrastructure'],
            [
              'Controller, cable or backplane errors make a healthy disk report errors',
              0.2,
              'infrastructure',
            ],
          ],
  steps: (v) => [
    `${ssh(v)} 'sudo smartctl -a ${diskPath(v.labels.device)}'  # health, media errors, percentage used, temperature`,
    `${ssh(v)} 'dmesg -T | grep -iE "i/o error|nvme|ata|medium" | tail -20'`,
    `PromQL: ${v.key.includes('temperature') ? 'smartctl_device_temperature' : v.key.includes('wearout') ? 'smartctl_device_percentage_used' : v.key.includes('media') ? 'smartctl_device_media_errors' : v.key.includes('critical') ? 'smartctl_device_critical_warning' : 'smartctl_device_smart_status'}${sel({ instance: v.instance, device: v.labels.device })}`,
    'Plan a replacement; make sure RAID/replicas hold a good copy before the disk fails',
  ],
});

export const ipmiHardware: Signature = family({
  id: 'ipmi-hardware',
  role: 'cause',
  title: 'IPMI reports a hardware fault',
  weight: 64,
  names: [
    'IpmiChassisPowerOff',
    'IpmiCollectorDown',
    'IpmiSelAlmostFull',
    'IpmiTemperatureSensorCritical',
    'IpmiTemperatureSensorWarning',
    'IpmiFanSpeedSensorCritical',
    'IpmiFanSpeedSensorWarning',
    'IpmiFanSpeedZero',
    'IpmiVoltageSensorCritical',
    'IpmiVoltageSensorWarning',
    'IpmiCurrentSensorCritical',
    'IpmiCurrentSensorWarning',
    'IpmiPowerSensorCritical',
    'IpmiPowerSensorWarning',
    'IpmiGenericSensorCritical',
    'IpmiChassisDriveFault',
    'IpmiChassisCoolingFault',
  ],
  summary: (v) =>
    `The BMC of ${host(v)} reports \`${v.name}\`${v.labels.name ? ` for sensor \`${v.labels.name}\`` : ''}.`,
  causes: (v) => {
    const k = v.key;
    if (k.includes('poweroff'))
      return [
        [
          'The server shut down unexpectedly: power supply or PDU failure, or a thermal shutdown',
          0.5,
          'infrastructure',
        ],
        ['Someone powered it off through the BMC or OS (maintenance)', 0.3, 'deployment'],
      ];
    if (k.includes('collector'))
      return [
        ['The exporter cannot talk to the BMC (network to the BMC, credentials, BMC hung)', 0.55, 'network'],
        ['FreeIPMI tools missing or failing on the exporter host', 0.3, 'configuration'],
      ];
    if (k.includes('sel'))
      return [
        ['The System Event Log was never cleared and its small storage is nearly full', 0.7, 'configuration'],
      ];
    if (k.includes('fan') || k.includes('cooling'))
      return [
        ['A fan failed or is failing', 0.6, 'infrastructure'],
        ['Airflow blocked or fan unplugged after maintenance', 0.25, 'infrastructure'],
      ];
    if (k.includes('temperature'))
      return [
        ['Cooling failure: a fan, blocked airflow or a hot datacenter', 0.5, 'infrastructure'],
        ['Sustained high load heats the CPU or components', 0.25, 'capacity'],
      ];
    if (k.includes('drive'))
      return [
        ['A disk in the chassis failed', 0.6, 'infrastructure'],
        ['A drive backplane or controller fault', 0.25, 'infrastructure'],
      ];
    return [
      ['A power supply unit failed or lost its feed (redundancy lost)', 0.45, 'infrastructure'],
      ['Motherboard voltage regulator or component fault', 0.3, 'infrastructure'],
    ];
  },
  steps: (v) => [
    `${ssh(v)} 'sudo ipmitool sdr elist | grep -vE "[|] *(ok|ns) *[|]"'  # sensors not ok (ns = no reading)`,
    `${ssh(v)} 'sudo ipmitool sel elist | tail -20'  # what the BMC logged${v.key.includes('sel') ? '; clear with ipmitool sel clear after saving it' : ''}`,
    v.key.includes('power') &&
      `${ssh(v)} 'sudo ipmitool chassis status'  # or from a remote: ipmitool -I lanplus -H <bmc> chassis status`,
    'Open a hardware ticket with the vendor with the SEL entries; drain the node first if it runs workloads',
  ],
});

export const hostSignatures: Signature[] = [
  conntrack,
  fileDescriptors,
  interfaceFlapping,
  raid,
  systemdUnit,
  textfileCollector,
  hardwareErrors,
  rebootRequired,
  windowsHost,
  vmwareHost,
  smartDisk,
  ipmiHardware,
];
