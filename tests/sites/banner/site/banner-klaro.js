// One Klaro configuration per variant (the query string): fair, or unfair in one way each.
(function () {
  var variant = location.search.slice(1) || 'fair';
  window.klaroConfig = {
    version: 1,
    elementID: 'klaro',
    storageMethod: 'cookie',
    storageName: 'klaro',
    groupByPurpose: true,
    acceptAll: true,
    default: variant === 'default-on',  // every optional service ticked before the visitor chose
    mustConsent: variant === 'wall' || variant === 'wall-fair',  // the modal covers the page
    hideDeclineAll: variant === 'wall' || variant === 'no-decline',
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
})();
