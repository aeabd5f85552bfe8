// The AWS SDK clients for one app, with that app's users-role credentials. Built lazily, once per app.
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { CodeBuildClient } from "@aws-sdk/client-codebuild";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECSClient } from "@aws-sdk/client-ecs";
import type { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { CredentialProvider } from "./auth";
import type { SiteConfig } from "./config";

export interface Clients {
  dynamodb: DynamoDBDocumentClient;
  ssm: SSMClient;
  ecs: ECSClient;
  codebuild: CodeBuildClient;
  logs: CloudWatchLogsClient;
  s3(): Promise<S3Client>; // loaded on first use (only a failed build's uploaded log needs it)
}

export function makeClients(config: SiteConfig, credentials: CredentialProvider): Clients {
  const common = {
    region: config.region,
    credentials,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    maxAttempts: config.endpoint ? 1 : 3, // the local emulator has no throttling to ride out
  };
  let s3: Promise<S3Client> | undefined;
  return {
    dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient(common), { marshallOptions: { removeUndefinedValues: true } }),
    ssm: new SSMClient(common),
    ecs: new ECSClient(common),
    codebuild: new CodeBuildClient(common),
    logs: new CloudWatchLogsClient(common),
    s3: () => {
      s3 ??= import("@aws-sdk/client-s3").then(({ S3Client }) => new S3Client({
        ...common,
        forcePathStyle: Boolean(config.endpoint), // the local server proxies <endpoint>/<bucket>/<key>
        responseChecksumValidation: "WHEN_REQUIRED", // a ranged read has no whole-object checksum to check
      }));
      return s3;
    },
  };
}

// AWS's own words for a refused or failed call: the error's name and message, verbatim.
export function awsMessage(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name && error.name !== "Error" ? `${error.name}: ` : "";
    return `${name}${error.message}`;
  }
  return String(error);
}
