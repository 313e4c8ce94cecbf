// Klaro -> Segment: a purpose is granted when every service of it is.
(function () {
  var manager = klaro.getManager();
  function purpose(name) {
    return manager.config.services
      .filter(function (s) { return s.purposes.indexOf(name) >= 0; })
      .every(function (s) { return manager.getConsent(s.name); });
  }
  window.probeShop({
    decided: function () { return manager.confirmed; },
    categories: function () {
      return { necessary: true, analytics: purpose('analytics'), marketing: purpose('marketing') };
    },
    onSaved: function (fn) {
      manager.watch({ update: function (m, event) { if (event === 'saveConsents') { fn(); } } });
    }
  });
})();
