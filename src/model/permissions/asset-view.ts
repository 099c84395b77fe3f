import { CapabilitySpec } from './types';

const why = 'AssetView/CSAM inventory (Qualys connector procedure, all variants)';

/** The base of every Qualys AWS connector: EC2 inventory. Qualys cannot switch it off. */
export const assetView: CapabilitySpec = {
  name: 'asset-view',
  policySuffix: 'AssetView',
  title: 'AssetView',
  summary: 'EC2 inventory for AssetView/CSAM; part of every connector role.',
  requires: [],
  mutating: false,
  awsManagedPolicies: [],
  statements: [
    {
      sid: 'QualysAssetViewInventory',
      grants: [
        { action: 'ec2:DescribeInstances', why: `${why}: instances` },
        { action: 'ec2:DescribeAddresses', why: `${why}: Elastic IP addresses of instances` },
        { action: 'ec2:DescribeImages', why: `${why}: AMIs of instances` },
        { action: 'ec2:DescribeRegions', why: `${why}: regions to scan` },
        { action: 'ec2:DescribeVpcs', why: `${why}: VPCs of instances` },
      ],
    },
  ],
};
