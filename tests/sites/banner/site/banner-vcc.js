// One vanilla-cookieconsent banner per variant (the query string): fair, or unfair in one way each.
(function () {
  var variant = location.search.slice(1) || 'fair';
  document.documentElement.classList.add(variant);
  if (variant === 're-prompt' || variant === 're-prompt-late' || variant === 're-prompt-reverse') {
    // Nagging: a stored refusal of any optional category is thrown away on the next visit (re-prompt,
    // and re-prompt-late, which draws the banner late), or, the reverse, a stored acceptance of
    // everything is.
    var stored = document.cookie.split('; ').filter(function (c) { return c.indexOf('cc_cookie=') === 0; })[0];
    if (stored) {
      var categories = JSON.parse(decodeURIComponent(stored.slice('cc_cookie='.length))).categories || [];
      var refused = categories.indexOf('analytics') < 0 || categories.indexOf('marketing') < 0;
      if (refused === (variant !== 're-prompt-reverse')) {
        // the library writes it for the host as a domain cookie
        document.cookie = 'cc_cookie=; Max-Age=0; path=/; domain=' + location.hostname;
      }
    }
  }
  var preTicked = variant === 'pre-ticked';
  var consentModal = {
    title: 'We use cookies',
    description: 'Analytics helps us improve the shop; marketing lets partners show you our ads.',
    acceptAllBtn: 'Accept all',
    showPreferencesBtn: 'Manage preferences'
  };
  if (variant !== 'no-reject' && variant !== 'wall') consentModal.acceptNecessaryBtn = 'Reject all';
  var run = function () { CookieConsent.run({
    disablePageInteraction: variant === 'wall' || variant === 'wall-fair',
    categories: {
      necessary: { enabled: true, readOnly: true },
      analytics: { enabled: preTicked },
      marketing: { enabled: preTicked }
    },
    language: {
      default: 'en',
      translations: {
        en: {
          consentModal: consentModal,
          preferencesModal: {
            title: 'Cookie preferences',
            acceptAllBtn: 'Accept all',
            acceptNecessaryBtn: 'Reject all',
            savePreferencesBtn: 'Save preferences',
            sections: [
              { title: 'Strictly necessary', description: 'Needed for the shop to work.', linkedCategory: 'necessary' },
              { title: 'Analytics', description: 'Statistics.', linkedCategory: 'analytics' },
              { title: 'Marketing', description: 'Advertising.', linkedCategory: 'marketing' }
            ]
          }
        }
      }
    }
  }); };
  // re-prompt-late: every visit after the first draws the banner a second late
  var again = variant === 're-prompt-late' && localStorage.getItem('visited') === '1';
  localStorage.setItem('visited', '1');
  if (again) setTimeout(run, 1000); else run();
})();
