// Offline stand-in for Segment's Amplitude device-mode bundle (the real one needs Amplitude's servers).
// It has the same contract as the real bundle: window["<libraryName>"] is a plugin factory.
window['amplitude-pluginsDestination'] = function () {
  function send(ctx) {
    navigator.sendBeacon('https://api2.amplitude.com/2/httpapi',
      JSON.stringify({ api_key: 'DEMO', events: [{ event_type: ctx.event.event || ctx.event.type }] }));
    return ctx;
  }
  return [{
    name: 'Amplitude (Actions) sessionId', type: 'destination', version: '0.0.0-demo',
    isLoaded: function () { return true; }, load: function () { return Promise.resolve(); },
    track: send, page: send
  }];
};
