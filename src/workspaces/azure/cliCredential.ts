/**
 * The credential the `fpga azure` commands sign in with, from @azure/identity: a service
 * principal in the environment (AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET),
 * else the Azure CLI's sign-in (`az login`), else a managed identity; or a device code when
 * asked for. The extension builds its own credential on VS Code's Microsoft sign-in instead.
 */
import type { TokenCredential } from '@azure/core-auth';
import { AzureAuthorityHosts, AzureCliCredential, ChainedTokenCredential, DeviceCodeCredential, EnvironmentCredential, ManagedIdentityCredential } from '@azure/identity';

export const PUBLIC_AUTHORITY_HOST = AzureAuthorityHosts.AzurePublicCloud;

export interface CliCredentialOptions {
  /** The Microsoft Entra authority of the cloud (default: public Azure). */
  authorityHost?: string;
  /** Sign in with a code shown here and entered in a browser anywhere. */
  deviceCode?: boolean;
  /** Where the device code instructions go (never the token). */
  onDeviceCode?: (message: string) => void;
}

/** Public clouds' authorities, whose metadata msal may look up; anything else is private or a test server. */
const KNOWN_AUTHORITIES = new Set<string>(Object.values(AzureAuthorityHosts).map((host) => new URL(host).origin));

export function createCliCredential(options: CliCredentialOptions = {}): TokenCredential {
  const authorityHost = options.authorityHost ?? PUBLIC_AUTHORITY_HOST;
  // msal asks the public cloud's instance discovery endpoint about any authority it does not
  // know: a sovereign or test authority would fail there (or leak its name), so skip it.
  const authority = { authorityHost, disableInstanceDiscovery: !KNOWN_AUTHORITIES.has(new URL(authorityHost).origin) };
  if (options.deviceCode) {
    return new DeviceCodeCredential({
      ...authority,
      tenantId: process.env.AZURE_TENANT_ID ?? 'organizations',
      userPromptCallback: (info) => options.onDeviceCode?.(info.message),
    });
  }
  return new ChainedTokenCredential(new EnvironmentCredential(authority), new AzureCliCredential(), new ManagedIdentityCredential());
}
