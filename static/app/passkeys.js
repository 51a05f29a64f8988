// Passkey ceremonies for forms marked data-passkey="login|register".
// Without JavaScript the form posts normally and the server explains the way around.
(function () {
  "use strict";

  function toBuffer(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    base64 += "===".slice((base64.length + 3) % 4);
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(options) {
    options.challenge = toBuffer(options.challenge);
    options.user.id = toBuffer(options.user.id);
    (options.excludeCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return options;
  }

  function requestOptions(options) {
    options.challenge = toBuffer(options.challenge);
    (options.allowCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return options;
  }

  function credentialJSON(credential) {
    var response = credential.response;
    var json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      authenticatorAttachment: credential.authenticatorAttachment || null,
      response: { clientDataJSON: toBase64url(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      json.response.attestationObject = toBase64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toBase64url(response.authenticatorData);
      json.response.signature = toBase64url(response.signature);
      if (response.userHandle) json.response.userHandle = toBase64url(response.userHandle);
    }
    return json;
  }

  function csrfToken(form) {
    var field = form.querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }

  function postJSON(url, form, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken(form) },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data && data.error ? data.error : form.dataset.failed);
        return data;
      });
    });
  }

  function say(form, text) {
    var status = form.querySelector(".passkey-status");
    if (status) status.textContent = text;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-passkey]")) return;
    if (!window.PublicKeyCredential) {
      say(form, document.documentElement.dataset.noPasskeys || "");
      event.preventDefault();
      return;
    }
    event.preventDefault();
    var button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    say(form, document.documentElement.dataset.passkeyWorking || "");
    var register = form.dataset.passkey === "register";
    postJSON(form.dataset.optionsUrl, form, {})
      .then(function (options) {
        return register
          ? navigator.credentials.create({ publicKey: creationOptions(options) })
          : navigator.credentials.get({ publicKey: requestOptions(options) });
      })
      .then(function (credential) {
        var body = { credential: credentialJSON(credential) };
        var name = form.querySelector('input[name="name"]');
        if (name) body.name = name.value;
        var next = form.querySelector('input[name="next"]');
        if (next && next.value) body.next = next.value;
        return postJSON(form.dataset.verifyUrl, form, body);
      })
      .then(function (result) {
        window.location.assign(result.redirect || "/");
      })
      .catch(function (error) {
        var text = error && error.name === "NotAllowedError"
          ? document.documentElement.dataset.passkeyCancelled
          : (error && error.message) || document.documentElement.dataset.passkeyFailed;
        say(form, text || "");
        if (button) button.disabled = false;
      });
  });
})();
