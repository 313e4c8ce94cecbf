// Offline stand-in for a marketing device-mode bundle: window["<libraryName>"] is a plugin factory.
window['pinterestDestination'] = function () {
  function send(ctx) {
    new Image().src = 'https://ct.pinterest.com/v3/?tid=DEMO&event=' + encodeURIComponent(ctx.event.event || ctx.event.type);
    return ctx;
  }
  return [{
    name: 'Pinterest Conversions API', type: 'destination', version: '0.0.0-demo',
    isLoaded: function () { return true; }, load: function () { return Promise.resolve(); },
    track: send, page: send
  }];
};
