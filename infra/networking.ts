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
}

export function checkNetworkSettings(scope: Construct, settings: NetworkSettings): void {
  if (settings.createVpcEndpoints && !settings.vpc) throw new Error(`${scope.node.path}: createVpcEndpoints needs a vpc`);
  if ((settings.vpcSubnets || settings.securityGroups) && !settings.vpc) throw new Error(`${scope.node.path}: vpcSubnets and securityGroups need a vpc`);
}

/** The function props that put a function in the VPC (none without one). */
export function vpcFunctionProps(settings: NetworkSettings): Partial<nodejs.NodejsFunctionProps> {
  if (!settings.vpc) return {};
  return { vpc: settings.vpc, vpcSubnets: settings.vpcSubnets, securityGroups: settings.securityGroups ? [...settings.securityGroups] : undefined };
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
