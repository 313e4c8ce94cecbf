// Klaro's configuration: one service per purpose, so a purpose's consent is its service's consent.
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
    en: { purposes: { necessary: 'Strictly necessary', analytics: 'Analytics', marketing: 'Marketing' } }
  },
  services: [
    { name: 'shop', title: 'Shop session', purposes: ['necessary'], required: true },
    { name: 'segment', title: 'Segment analytics', purposes: ['analytics'] },
    { name: 'pinterest', title: 'Pinterest ads', purposes: ['marketing'] }
  ]
};
