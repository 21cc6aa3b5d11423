import { getFixtureAsHandleEventRequest } from '../vendor/test';
import { plugin } from '../vendor/teleport';
import { handleEvent } from './index';

// Main test function
export function test(): void {
    const request = getFixtureAsHandleEventRequest(2)
    const response = plugin.HandleEventResponse.decode(handleEvent(request))

    assert(response.Success == true, "Response was not successful")
    assert(response.Event.type == "", "Event was not rejected")
}
