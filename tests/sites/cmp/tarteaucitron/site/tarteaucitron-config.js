// tarteaucitron's configuration and the shop's two services: one analytic, one ads.
tarteaucitron.init({
  privacyUrl: '/privacy.html',
  hashtag: '#tarteaucitron',
  cookieName: 'tarteaucitron',
  orientation: 'bottom',
  groupServices: false,
  serviceDefaultState: 'wait',
  showAlertSmall: false,
  showIcon: true,
  iconPosition: 'BottomRight',
  DenyAllCta: true,
  AcceptAllCta: true,
  highPrivacy: true,
  handleBrowserDNTRequest: false,
  removeCredit: true,
  moreInfoLink: false,
  useExternalCss: false,
  useExternalJs: false,
  mandatory: true,
  googleConsentMode: false,
  bingConsentMode: false,
  pianoConsentMode: false
});
tarteaucitron.services.shopanalytics = {
  key: 'shopanalytics', type: 'analytic', name: 'Shop analytics (Segment)', uri: '/privacy.html',
  needConsent: true, cookies: [], js: function () {}, fallback: function () {}
};
tarteaucitron.services.shopads = {
  key: 'shopads', type: 'ads', name: 'Shop advertising (Segment)', uri: '/privacy.html',
  needConsent: true, cookies: [], js: function () {}, fallback: function () {}
};
(tarteaucitron.job = tarteaucitron.job || []).push('shopanalytics', 'shopads');
