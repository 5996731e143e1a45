import { Fn } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';

/** Where the functions run: a VPC, its subnets and security groups. */
export interface NetworkSettings {
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: readonly ec2.ISecurityGroup[];
  readonly createVpcEndpoints?: boolean;
  /**
   * Exactly one subnet of `vpc` where the device functions of conversation vendors (`work: 'conversation'`) run, so
   * that every step of a password conversation, each its own invocation, leaves from one address (the subnet's
   * network interface, or its NAT gateway's address): devices that bind a session to the client address refuse a
   * step from another one (`SessionBoundToAddressError`). The subnet needs the same routes as `vpcSubnets`.
   */
  readonly singleEgressSubnets?: ec2.SubnetSelection;
}

export function checkNetworkSettings(scope: Construct, settings: NetworkSettings): void {
  if (settings.createVpcEndpoints && !settings.vpc) throw new Error(`${scope.node.path}: createVpcEndpoints needs a vpc`);
  if ((settings.vpcSubnets || settings.securityGroups || settings.singleEgressSubnets) && !settings.vpc) {
    throw new Error(`${scope.node.path}: vpcSubnets, securityGroups and singleEgressSubnets need a vpc`);
  }
  if (settings.vpc && settings.singleEgressSubnets) {
    const count = settings.vpc.selectSubnets(settings.singleEgressSubnets).subnetIds.length;
    if (count !== 1) {
      throw new Error(
        `${scope.node.path}: singleEgressSubnets must select exactly one subnet (it selects ${count}): the steps of a conversation must all leave from one address`,
      );
    }
  }
}

/**
 * The function props that put a function in the VPC (none without one). `singleEgress`: a conversation vendor's device
 * function, placed in `singleEgressSubnets` when given.
 */
export function vpcFunctionProps(settings: NetworkSettings, singleEgress = false): Partial<nodejs.NodejsFunctionProps> {
  if (!settings.vpc) return {};
  const vpcSubnets = singleEgress && settings.singleEgressSubnets ? settings.singleEgressSubnets : settings.vpcSubnets;
  return { vpc: settings.vpc, vpcSubnets, securityGroups: settings.securityGroups ? [...settings.securityGroups] : undefined };
}

/** What AWSLambdaVPCAccessExecutionRole grants, without its logs:* on every log group. */
export function grantVpcAccess(role: iam.IRole): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'LambdaVpcNetworkInterfaces',
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: ['*'],
    }),
  );
}

/**
 * The endpoints the functions need when they run in a VPC without a NAT gateway: interface endpoints for Secrets
 * Manager, Step Functions and KMS (private DNS) and for DynamoDB (the device ledger; the functions address it by the
 * endpoint's own DNS name, `AWS_ENDPOINT_URL_DYNAMODB`, which works in any VPC, imported ones included), each reachable
 * on 443 from the functions only.
 */
export function createVpcEndpoints(scope: Construct, settings: NetworkSettings, functions: readonly lambda.Function[]): ec2.InterfaceVpcEndpoint[] {
  if (!settings.vpc || !settings.createVpcEndpoints) return [];
  const services: [string, ec2.InterfaceVpcEndpointAwsService, boolean][] = [
    ['SecretsManagerEndpoint', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER, true],
    ['StepFunctionsEndpoint', ec2.InterfaceVpcEndpointAwsService.STEP_FUNCTIONS, true],
    ['KmsEndpoint', ec2.InterfaceVpcEndpointAwsService.KMS, true],
    ['DynamoDbEndpoint', ec2.InterfaceVpcEndpointAwsService.DYNAMODB, false],
  ];
  const vpc = settings.vpc;
  const endpoints = services.map(([endpointId, service, privateDnsEnabled]) => {
    const endpoint = new ec2.InterfaceVpcEndpoint(scope, endpointId, { vpc, service, subnets: settings.vpcSubnets, privateDnsEnabled, open: false });
    for (const fn of functions) endpoint.connections.allowDefaultPortFrom(fn, 'HTTPS from the device password rotator functions');
    return endpoint;
  });
  // DnsEntries are "<hosted zone id>:<DNS name>"; the first is the endpoint's regional name.
  const dynamoDbHost = Fn.select(1, Fn.split(':', Fn.select(0, endpoints[3].vpcEndpointDnsEntries)));
  for (const fn of functions) fn.addEnvironment('AWS_ENDPOINT_URL_DYNAMODB', `https://${dynamoDbHost}`);
  return endpoints;
}
