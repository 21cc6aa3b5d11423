// The plugin's WebAssembly entry point. The host passes a protobuf-encoded plugin.HandleEventRequest and
// reads back a protobuf-encoded plugin.HandleEventResponse; the plugin itself works with decoded classes in
// ./event_handler.ts. Tests call this function too, so they exercise the same path as production.
import { plugin } from '../vendor/teleport';
import { handleEvent as handlePluginEvent } from './event_handler';

export function handleEvent(requestData: ArrayBuffer): ArrayBuffer {
    const request = plugin.HandleEventRequest.decode(requestData);
    const response = handlePluginEvent(request);
    return response.encode();
}
