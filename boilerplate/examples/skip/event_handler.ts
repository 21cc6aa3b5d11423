import { plugin, events } from '../vendor/teleport';

// Plugin entry point
export function handleEvent(request: plugin.HandleEventRequest): plugin.HandleEventResponse {
    const event = request.Event;
    const response = new plugin.HandleEventResponse();

    // If this is the login event
    if (event.UserLogin != null) {
        const userLogin = event.UserLogin as events.UserLogin

        // And secret santa tries to login - return success response with blank event
        if (userLogin.User.Login == "secret-santa") {
            response.Success = true;
            return response;
        }
    }

    // Pass the event through
    response.Event = event;
    response.Success = true;

    return response;
}
