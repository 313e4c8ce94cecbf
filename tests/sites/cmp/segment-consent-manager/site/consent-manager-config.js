// @segment/consent-manager's standalone configuration (the README's callback form).
window.consentManagerConfig = function () {
  return {
    container: '#consent-manager',
    writeKey: 'DEMOWRITEKEY',
    shouldRequireConsent: function () { return true; },
    closeBehavior: 'dismiss',
    bannerActionsBlock: true,
    bannerContent: 'We use cookies and similar technologies to analyse traffic and show you our ads.',
    bannerSubContent: 'You can change your preferences at any time.',
    preferencesDialogTitle: 'Website Data Collection Preferences',
    preferencesDialogContent: 'We use data collected by cookies and JavaScript libraries.',
    cancelDialogTitle: 'Are you sure you want to cancel?',
    cancelDialogContent: 'Your preferences have not been saved.'
  };
};
