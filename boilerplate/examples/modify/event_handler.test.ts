import { getFixtureAsHandleEventRequest } from '../vendor/test';
import { plugin, events } from '../vendor/teleport';
import { handleEvent } from './index';

// Main test function
export function test(): void {
    const request = getFixtureAsHandleEventRequest(3)
    const response = plugin.HandleEventResponse.decode(handleEvent(request))
    assert(response.Event.AccessRequestCreate != null, "AccessRequestCreate is missing")

    const event = response.Event.AccessRequestCreate as events.AccessRequestCreate;
    assert(
        event.Annotations.fields.get("seen-by-us").string_value == "yes", 
        "seen-by-us annotation is not set"
    )
}
