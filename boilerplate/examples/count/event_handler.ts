import { plugin, events } from '../vendor/teleport';
import * as store from '../vendor/store'
import { createLock } from '../vendor/api';

const maxFailedLoginAttempts = 3;     // 3 tries
const failedAttemptsTimeout = 60 * 5; // within 5 minutes

// Plugin entry point
export function handleEvent(request: plugin.HandleEventRequest): plugin.HandleEventResponse {
    const event = request.Event;
    const response = new plugin.HandleEventResponse();

    // If this event is a user login event
    if (event.UserLogin != null) {
        const login = event.UserLogin as events.UserLogin;
    
        // If a login was not successful        
        if (login.Status.Success == false) {
            // Record login attempt and get current attempts within the time frame for a user
            const count = store.takeToken(login.User.Login, failedAttemptsTimeout) // 5 minutes
    
            // If limit is exceeded
            if (count > maxFailedLoginAttempts) {
                trace("Suspicious login activity detected, attempts made:", 1, count)
    
                // Create lock
                createLock(login.User, 3600, "Suspicious login activity")
            }
        }
    }
    
    // Pass the event through
    response.Event = event;
    response.Success = true;

    return response;
}
