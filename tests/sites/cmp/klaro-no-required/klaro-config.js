// Klaro's configuration without any required service or purpose: Klaro stores nothing for the
// strictly necessary category the suite declares (the shop's own cookies need no consent in Klaro).
window.klaroConfig = {
  version: 1,
  elementID: 'klaro',
  storageMethod: 'cookie',
  storageName: 'klaro',
  groupByPurpose: true,
  acceptAll: true,
  default: false,
  mustConsent: false,
  lang: 'en',
  translations: {
    zz: { privacyPolicyUrl: '/privacy.html' },
    en: { purposes: { analytics: 'Analytics', marketing: 'Marketing' } }
  },
  services: [
    { name: 'segment', title: 'Segment analytics', purposes: ['analytics'] },
    { name: 'pinterest', title: 'Pinterest ads', purposes: ['marketing'] }
  ]
};
