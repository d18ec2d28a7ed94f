import { ref } from '../../model/objects.js';
import { evidence } from '../../model/evidence.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';
import { getIngress, scopedIngressBackends, scopedIngresses } from './shared.js';

export const tlsSecretMissing: CheckDef<'ingress.tls-secret-missing'> = defineCheck({
  id: 'ingress.tls-secret-missing',
  layer: 'ingress',
  meaning: 'an Ingress TLS secret does not exist',
  explains: [],
  reads: ['ingresses', 'secrets'],
  run(ctx) {
    const out: Finding[] = [];
    const refs = scopedIngressBackends(ctx);
    for (const ing of scopedIngresses(refs)) {
      const ns = ing.metadata.namespace;
      const whole = ctx.target.kind === 'Ingress' && ctx.target.name === ing.metadata.name;
      const mine = refs.filter((r) => r.ingress === ing);
      const hosts = new Set(mine.flatMap((r) => (r.host ? [r.host] : [])));
      const anyHost = mine.some((r) => !r.host);
      const seen = new Set<string>();
      for (const tls of ing.spec.tls ?? []) {
        const secret = tls.secretName;
        if (!secret || secret.includes('/') || seen.has(secret)) continue;
        const tlsHosts = tls.hosts ?? [];
        const relevant =
          whole || anyHost || tlsHosts.length === 0 || tlsHosts.some((h) => hosts.has(h));
        if (!relevant) continue;
        if (
          ctx.snapshot.secrets.some(
            (s) => s.metadata.namespace === ns && s.metadata.name === secret,
          )
        )
          continue;
        seen.add(secret);
        const annotations = ing.metadata.annotations ?? {};
        const certManager =
          annotations['cert-manager.io/cluster-issuer'] ?? annotations['cert-manager.io/issuer'];
        out.push(
          finding('ingress.tls-secret-missing', {
            severity: 'critical',
            title: `Ingress ${ing.metadata.name} uses TLS secret ${secret}, which does not exist in ${ns}`,
            detail:
              `The controller cannot load the certificate for ${tlsHosts.join(', ') || 'its hosts'}, so HTTPS ` +
              `is served with its default (untrusted) certificate or refused: clients fail the TLS handshake. ` +
              (certManager
                ? `cert-manager (issuer ${certManager}) should create it: check its Certificate and CertificateRequest (the command below).`
                : 'Create the secret (the command below) or fix secretName.'),
            evidence: [
              getIngress(ing, '/spec/tls'),
              evidence(
                ['get', 'secret', secret, '-n', ns ?? ''],
                `Error from server (NotFound): secrets "${secret}" not found`,
              ),
              certManager
                ? evidence(['describe', 'certificate', '-n', ns ?? ''], '')
                : evidence(
                    [
                      'create',
                      'secret',
                      'tls',
                      secret,
                      '-n',
                      ns ?? '',
                      '--cert=tls.crt',
                      '--key=tls.key',
                    ],
                    '',
                  ),
            ],
            objects: [ref('Ingress', ing), { kind: 'Secret', namespace: ns, name: secret }],
          }),
        );
      }
    }
    return out;
  },
});
